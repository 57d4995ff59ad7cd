/**
 * Turning zod validation failures into the one-line -32602 messages the hub shows:
 * `params.user.name: expected a string, got number`.
 */
import type { z } from "zod";
import { ErrorCode, RpcError } from "./errors.ts";

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `params.user.groups[0]`, `params.env["MY VAR"]`. */
export function formatPath(path: readonly PathKey[], root = "params"): string {
  let out = root;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENT.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? "a string" : `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function withArticle(expected: string): string {
  if (expected === "array" || expected === "object") return `an ${expected}`;
  if (expected === "null" || expected === "undefined") return expected;
  return `a ${expected}`;
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

export function formatIssue(issue: Issue, input: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === "invalid_type") {
    const got = valueAt(input, issue.path);
    if (got === undefined) return `${where}: is required (expected ${withArticle(issue.expected)})`;
    return `${where}: expected ${withArticle(issue.expected)}, got ${describe(got)}`;
  }
  if (issue.code === "unrecognized_keys") return `${where}: unknown field(s) ${issue.keys.join(", ")}`;
  // Zod's own wording for the rest ("Too small: expected string to have >=1 characters").
  return `${where}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
}

/** Validate `params` or throw a -32602 RpcError whose message lists every problem, `; `-separated. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  // By-position params are legal JSON-RPC but our methods are all by-name.
  if (Array.isArray(params)) {
    throw new RpcError(ErrorCode.InvalidParams, "params: expected an object (by-name parameters), got an array");
  }
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => formatIssue(issue, params));
  throw new RpcError(ErrorCode.InvalidParams, messages.join("; "), { issues: messages });
}
