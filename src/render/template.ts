/**
 * Template strings for `patches` and `resources`: eta 4 with `{{ }}` tags.
 *
 * Syntax (documented for operators in the README):
 *   {{key}}  {{ user.name }}   interpolation; every SpawnContext field is a variable
 *                              (key, namespace, username, servername, user, server,
 *                              profile, cluster, options, prefix, spawn). YAML-safe: the
 *                              value can only ever become (part of) one scalar.
 *   {{# if (options.gpu === "yes") { }} … {{# } }}
 *                              JavaScript control flow. A line holding only such a tag
 *                              disappears entirely (indentation and newline), like a
 *                              Mustache "standalone" tag, so it does not break YAML indentation.
 *   {{~ x }}                   RAW text, pasted unchecked. Only for operator-controlled
 *                              values (never user/server names or options): it can inject YAML.
 *   {{- x }} / {{ x -}}        eta's trim markers (drop one adjacent newline); `_` drops all whitespace.
 *   Jinja syntax ({% %}, {# #}, `| filter`) is refused with its line (config/jinja.ts).
 *
 * Each distinct template string is compiled once and cached; for a given rendered text the
 * YAML is parsed once too (see yaml-safe.ts), so rendering thousands of users is cheap.
 */
import { randomBytes } from "node:crypto";
import { Eta } from "eta/core";
import { jinjaProblem } from "../config/jinja.ts";
import type { SpawnContext } from "../config/types.ts";
import { fill, parseSkeletons, sentinel, YamlTemplateError } from "./yaml-safe.ts";
import type { Skeleton } from "./yaml-safe.ts";

/** A problem in one template, with the line it is on when known. */
export class TemplateError extends Error {
  /** 1-based; in the template, or in the rendered text when `renderedLine` is set. */
  readonly line: number | undefined;
  /** True when `line` counts lines of the rendered output (templates with control flow). */
  readonly renderedLine: boolean;
  constructor(message: string, line: number | undefined, renderedLine = false) {
    super(message);
    this.line = line;
    this.renderedLine = renderedLine;
  }
}

interface ActiveRender {
  readonly nonce: string;
  readonly values: unknown[];
}

/** The render in progress; rendering is synchronous, so one slot (saved/restored) is enough. */
let active: ActiveRender | undefined;

/** eta's escape hook: record the value, print its sentinel. */
function escapeToSentinel(value: unknown): string {
  if (!active) throw new Error("internal: template interpolation outside a render");
  const index = active.values.push(value) - 1;
  return sentinel(active.nonce, index);
}

type AstItem = string | { t: string; val: string; lineNo?: number };

/** A real (escaped by eta as `\n`) newline followed by blanks, at the end of a text chunk. */
const ENDS_WITH_NEWLINE_AND_BLANKS = /(?<!\\)(?:\\\\)*\\n[ \t]*$/;
const LEADING_BLANKS_NEWLINE = /^[ \t]*\\n/;

/**
 * Makes a `{{# … }}` tag that is alone on its line vanish with its line. Works on eta's AST,
 * after line numbers are taken, so error lines keep pointing at the template as written.
 */
function standaloneExecTags(ast: AstItem[]): AstItem[] {
  const out = [...ast];
  for (let i = 0; i < out.length; i++) {
    const tag = out[i];
    if (typeof tag !== "object" || tag.t !== "e") continue;
    const before = i === 0 ? "" : out[i - 1];
    const after = i === out.length - 1 ? "" : out[i + 1];
    if (typeof before !== "string" || typeof after !== "string") continue;
    const leftOk = i === 0 || (i === 1 && /^[ \t]*$/.test(before)) || ENDS_WITH_NEWLINE_AND_BLANKS.test(before);
    const last = out.length - 1;
    const rightOk = i === last || LEADING_BLANKS_NEWLINE.test(after) || (i + 1 === last && /^[ \t]*$/.test(after));
    if (!leftOk || !rightOk) continue;
    if (i > 0) out[i - 1] = before.replace(/[ \t]*$/, "");
    if (i < last) out[i + 1] = after.replace(LEADING_BLANKS_NEWLINE, "").replace(/^[ \t]*$/, "");
  }
  return out;
}

const eta = new Eta({
  tags: ["{{", "}}"],
  // `{{ x }}` needs no prefix so upstream's `{{key}}` works; `#` runs code, `~` is raw.
  parse: { exec: "#", interpolate: "", raw: "~" },
  autoEscape: true,
  escapeFunction: escapeToSentinel,
  // eta's default eats the newline after every tag, which would join YAML lines.
  autoTrim: false,
  // Context fields as bare variables (`{{key}}`); a `with` block, because `options` would
  // clash with eta's own `options` parameter if declared with const.
  useWith: true,
  // Keeps the line of the tag being run, for runtime error messages.
  debug: true,
  plugins: [{ processAST: (ast) => standaloneExecTags(ast as AstItem[]) }],
});

// eta's debug wrapper reports runtime errors through this; keep the message and line only.
eta.RuntimeErr = (err: Error, _str: string, lineNo: number): never => {
  throw new TemplateError(err.message, lineNo);
};

interface Compiled {
  readonly run: (data: object) => string;
  readonly nonce: string;
  /** Control flow or raw output: rendered lines no longer match template lines. */
  readonly reshapes: boolean;
  /** rendered text → parsed skeletons (same text ⇒ same YAML, values aside). */
  readonly skeletons: Map<string, Skeleton[]>;
}

const MAX_CACHED = 1000;
const compiled = new Map<string, Compiled>();

/** eta's parser messages, said in the template's own terms. */
const ETA_MESSAGES: Readonly<Record<string, string>> = {
  "unclosed tag": "a {{ tag is not closed with }}",
  "unclosed string": "a string inside a {{ }} tag is not closed",
  "unclosed comment": "a /* comment inside a {{ }} tag is not closed",
};

function tagLine(message: string): number | undefined {
  const m = / at line (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** Ways a `{{# }}` fragment can be completed into a valid program ("if (x) {", "} else {", "})"…). */
const EXEC_WRAPPERS: ReadonlyArray<readonly [string, string]> = [
  ["", ""],
  ["", "}"],
  ["{", ""],
  ["if (0) {", "}"],
  ["f(() => {", ""],
  ["", "})"],
  ["f(() => {", "})"],
];

function parses(code: string): boolean {
  try {
    new Function(code);
    return true;
  } catch {
    return false;
  }
}

/**
 * For a JS syntax error: the line of the first tag that cannot be valid on its own (an
 * interpolation that is no expression, a control-flow fragment no completion fixes).
 */
function locateSyntaxError(template: string): number | undefined {
  for (const item of eta.parse(template) as AstItem[]) {
    if (typeof item === "string") continue;
    const ok =
      item.t === "e"
        ? EXEC_WRAPPERS.some(([pre, post]) => parses(`${pre}\n${item.val}\n${post}`))
        : parses(`return (${item.val}\n);`);
    if (!ok) return item.lineNo;
  }
  return undefined;
}

function compile(template: string): Compiled {
  const cached = compiled.get(template);
  if (cached) return cached;
  const jinja = jinjaProblem(template);
  if (jinja) throw new TemplateError(jinja.message, jinja.line);
  let fn;
  let ast: AstItem[];
  try {
    ast = eta.parse(template) as AstItem[];
    fn = eta.compile(template);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.name.startsWith("EtaParser") && !msg.startsWith("Bad template syntax")) {
      const what = msg.split(" at line ")[0] ?? msg;
      const plain = ETA_MESSAGES[what] ?? what;
      throw new TemplateError(plain, tagLine(msg));
    }
    // A JS syntax error inside a tag; eta's message dumps the generated function, so keep its first line.
    const jsMessage = msg.split("\n").find((l) => l.trim() !== "" && !l.startsWith("Bad template syntax")) ?? msg;
    const line = locateSyntaxError(template);
    throw new TemplateError(
      `JavaScript syntax error in a {{ }} tag: ${jsMessage}`,
      line,
    );
  }
  const run = (data: object): string => fn.call(eta, data, {});
  const reshapes = ast.some((item) => typeof item === "object" && (item.t === "e" || item.t === "r"));
  const entry: Compiled = { run, nonce: `mcks${randomBytes(5).toString("hex")}`, reshapes, skeletons: new Map() };
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(template, entry);
  return entry;
}

/**
 * Renders a template for one spawn and returns its YAML documents as plain data (empty
 * documents dropped). Throws TemplateError with the line when known.
 */
export function renderTemplate(template: string, ctx: SpawnContext): unknown[] {
  const c = compile(template);
  const previous = active;
  const state: ActiveRender = { nonce: c.nonce, values: [] };
  active = state;
  let text: string;
  try {
    text = c.run(ctx);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(err instanceof Error ? err.message : String(err), undefined);
  } finally {
    active = previous;
  }
  let skeletons = c.skeletons.get(text);
  try {
    if (!skeletons) {
      skeletons = parseSkeletons(text, c.nonce);
      if (c.skeletons.size >= MAX_CACHED) c.skeletons.clear();
      c.skeletons.set(text, skeletons);
    }
    const out: unknown[] = [];
    for (const s of skeletons) {
      const doc = fill(s, state.values, c.nonce);
      if (doc !== null && doc !== undefined) out.push(doc);
    }
    return out;
  } catch (err) {
    if (err instanceof YamlTemplateError) {
      throw new TemplateError(`YAML: ${err.message}`, err.line, c.reshapes && err.line !== undefined);
    }
    throw err;
  }
}

/**
 * Compiles a template without rendering it, for `mcks validate`: returns the syntax problem
 * (with its line) or undefined. Runtime and YAML problems need a spawn and show at dry-run.
 */
export function checkTemplate(template: string): TemplateError | undefined {
  try {
    compile(template);
    return undefined;
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
}
