/**
 * KubeSpawner expands `{username}`-style fields (Python `str.format`) in some settings' strings
 * at spawn time; mcks computes per-user values with a function of the spawn instead. This turns
 * such a string into a JavaScript template literal over `ctx`, or reports why it cannot.
 */
import { Code } from "./code.ts";
import type { Report } from "./code.ts";
import { printTs } from "./print.ts";

/** KubeSpawner's field → the same value in mcks's spawn context. */
const FIELDS: Readonly<Record<string, string>> = {
  username: "ctx.username",
  safe_username: "ctx.username",
  servername: "ctx.servername",
  safe_servername: "ctx.servername",
  user_server: 'ctx.username + (ctx.servername ? "--" + ctx.servername : "")',
  safe_user_server: 'ctx.username + (ctx.servername ? "--" + ctx.servername : "")',
  unescaped_username: "ctx.user.name",
  unescaped_servername: "ctx.server.name",
  namespace: "ctx.namespace",
  pod_name: "ctx.key",
  pvc_name: 'ctx.key + "-home"',
};

const WHY_NOT: Readonly<Record<string, string>> = {
  userid: "mcks does not know the hub's numeric user id",
  hubnamespace: "mcks does not know the hub's namespace",
  escaped_username: "the legacy 'escape' slug scheme has no mcks equivalent; use {username}",
  escaped_servername: "the legacy 'escape' slug scheme has no mcks equivalent; use {servername}",
  escaped_user_server: "the legacy 'escape' slug scheme has no mcks equivalent; use {user_server}",
};

const FIELD = /\{\{|\}\}|\{([^{}]*)\}/g;

function literal(text: string): string {
  return text.replace(/[`\\$]/g, (c) => `\\${c}`);
}

/**
 * A Python format string → `undefined` when it has no fields (the plain text is returned via
 * `plain`), else the body of a JavaScript template literal. Unknown fields are reported.
 */
function templateLiteral(s: string, path: string, report: Report): { plain: string } | { code: string } | undefined {
  let out = "";
  let plain = "";
  let dynamic = false;
  let last = 0;
  for (const m of s.matchAll(FIELD)) {
    out += literal(s.slice(last, m.index));
    plain += s.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === "{{" || m[0] === "}}") {
      out += m[0][0];
      plain += m[0][0];
      continue;
    }
    const name = m[1] ?? "";
    const expr = FIELDS[name];
    if (!expr) {
      report(path, `the field {${name}} in ${JSON.stringify(s)}: ${WHY_NOT[name] ?? "KubeSpawner has no such field (it would fail to start the server)"}`);
      return undefined;
    }
    out += `\${${expr}}`;
    dynamic = true;
  }
  out += literal(s.slice(last));
  plain += s.slice(last);
  if (!dynamic) return { plain };
  if (/^\$\{[^}]*\}$/.test(out) && !out.includes("+")) return { code: out.slice(2, -1) };
  // KubeSpawner strips the "-" an empty server name leaves at the end of the text.
  const mayEndWithDash = !s.endsWith("-") && /\{(safe_|unescaped_|escaped_)?servername\}/.test(s);
  return { code: mayEndWithDash ? `\`${out}\`.replace(/-+$/, "")` : `\`${out}\`` };
}

/** Whether any string inside `value` holds a `{field}`. */
function hasFields(value: unknown): boolean {
  if (value instanceof Code) return false;
  if (typeof value === "string") return /\{[^{}]*\}/.test(value.replace(/\{\{|\}\}/g, ""));
  if (Array.isArray(value)) return value.some(hasFields);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasFields);
  return false;
}

/** The value with each field-holding string as a template literal (`Code`); `undefined` if one failed. */
function expand(value: unknown, path: string, report: Report): unknown {
  if (value instanceof Code) return value;
  if (typeof value === "string") {
    const t = templateLiteral(value, path, report);
    if (!t) return undefined;
    return "plain" in t ? t.plain : new Code(t.code);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, v] of value.entries()) {
      const e = expand(v, `${path}[${i}]`, report);
      if (e === undefined && v !== undefined) return undefined;
      out.push(e);
    }
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const e = expand(v, `${path}.${k}`, report);
      if (e === undefined && v !== undefined) return undefined;
      out[k] = e;
    }
    return out;
  }
  return value;
}

/**
 * A setting KubeSpawner expands per user: unchanged when it holds no field, else a function
 * `(ctx) => …`.
 * `undefined` when a field has no mcks equivalent (reported).
 */
export function perUser(value: unknown, path: string, report: Report): unknown {
  if (!hasFields(value)) return expand(value, path, report);
  const expanded = expand(value, path, report);
  if (expanded === undefined) return undefined;
  return new Code((depth) => `(ctx) => (${printTs(expanded, depth)})`);
}

/** An unlisted choice's override: `{value}` (what the user typed) becomes the function's parameter. */
export function withValue(value: unknown): unknown {
  if (typeof value === "string") {
    if (!value.includes("{value}")) return value;
    return new Code(`\`${value.split("{value}").map(literal).join("${value}")}\``);
  }
  if (Array.isArray(value)) return value.map(withValue);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withValue(v)]));
  return value;
}
