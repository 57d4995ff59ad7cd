/** Writes the generated config's data as TypeScript source (2-space indent, keys quoted only when needed). */
import { Code } from "./code.ts";

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

function isShort(items: readonly string[]): boolean {
  return items.every((s) => !s.includes("\n")) && items.join(", ").length <= 72;
}

/** `value` as a TypeScript expression, indented for `depth` levels. `undefined` members are left out. */
export function printTs(value: unknown, depth = 0): string {
  const pad = "  ".repeat(depth + 1);
  const end = "  ".repeat(depth);
  if (value instanceof Code) return typeof value.text === "function" ? value.text(depth) : value.text;
  if (value instanceof RegExp) return value.toString();
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v) => printTs(v, depth + 1));
    if (isShort(items)) return `[${items.join(", ")}]`;
    return `[\n${items.map((i) => `${pad}${i},`).join("\n")}\n${end}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const items = entries.map(([k, v]) => `${key(k)}: ${printTs(v, depth + 1)}`);
    if (isShort(items) && depth > 1) return `{ ${items.join(", ")} }`;
    return `{\n${items.map((i) => `${pad}${i},`).join("\n")}\n${end}}`;
  }
  throw new Error(`cannot print ${typeof value}`);
}
