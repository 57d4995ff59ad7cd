/**
 * JSON patch (RFC 6902) as `kubectl patch --type json` applies it (evanphx/json-patch v4):
 * add/remove/replace/move/copy/test, RFC 6901 pointers (`~1` is "/", `~0` is "~"), `-` appends,
 * negative indices count from the end. kubectl quirks kept: `replace` of a missing object key
 * adds it; a missing `value` is null.
 */
import { UserError } from "../errors.ts";
import { cloneJson, hasKey, isMap, type Json, jsonEqual, type JsonMap, setKey } from "./json.ts";

type Container = JsonMap | Json[];

class OpError extends Error {}

function decodeToken(t: string): string {
  return t.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Go's strconv.Atoi, which kubectl uses for list indices (accepts "+1", "007"). */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function arrayIndex(list: readonly Json[], token: string, size: number): number {
  const idx = atoi(token);
  if (idx === undefined) throw new OpError(`"${token}" is not a list index`);
  if (idx >= size || idx < -size) throw new OpError(`index ${idx} is out of range (the list has ${list.length} items)`);
  return idx < 0 ? idx + size : idx;
}

function getChild(c: Container, key: string): Json | undefined {
  if (Array.isArray(c)) {
    const idx = atoi(key);
    if (idx === undefined || idx >= c.length || idx < -c.length) return undefined;
    return c[idx < 0 ? idx + c.length : idx];
  }
  return hasKey(c, key) ? c[key] : undefined;
}

/** The container holding the last token of `path`, and that token; undefined if a parent is missing. */
function findParent(doc: Container, path: string): [Container, string] | undefined {
  const tokens = path.split("/");
  if (tokens.length < 2) return undefined;
  let c: Container = doc;
  for (const raw of tokens.slice(1, -1)) {
    const next = getChild(c, decodeToken(raw));
    if (next === undefined || next === null || typeof next !== "object") return undefined;
    c = next;
  }
  return [c, decodeToken(tokens.at(-1)!)];
}

function add(c: Container, key: string, value: Json): void {
  if (!Array.isArray(c)) {
    setKey(c, key, value);
    return;
  }
  if (key === "-") {
    c.push(value);
    return;
  }
  c.splice(arrayIndex(c, key, c.length + 1), 0, value);
}

function remove(c: Container, key: string): Json {
  if (!Array.isArray(c)) {
    if (!hasKey(c, key)) throw new OpError(`there is no "${key}" to remove`);
    const v = c[key]!;
    delete c[key];
    return v;
  }
  return c.splice(arrayIndex(c, key, c.length), 1)[0]!;
}

function opString(op: JsonMap, field: string): string {
  const v = op[field];
  if (typeof v !== "string") throw new OpError(`"${field}" must be a JSON pointer string like "/spec/containers/0", got ${JSON.stringify(v) ?? "nothing"}`);
  if (v !== "" && !v.startsWith("/")) throw new OpError(`"${field}" ${JSON.stringify(v)} must start with "/" (JSON pointer)`);
  return v;
}

function parentOf(doc: Container, path: string, what: string): [Container, string] {
  const p = findParent(doc, path);
  if (!p) throw new OpError(`${what} ${JSON.stringify(path)} does not exist in the object (a parent is missing)`);
  return p;
}

function applyOne(doc: JsonMap, op: JsonMap): JsonMap {
  const kind = op.op;
  const value: Json = hasKey(op, "value") ? cloneJson(op.value!) : null;
  switch (kind) {
    case "add": {
      const [c, k] = parentOf(doc, opString(op, "path"), "path");
      add(c, k, value);
      return doc;
    }
    case "remove": {
      const [c, k] = parentOf(doc, opString(op, "path"), "path");
      remove(c, k);
      return doc;
    }
    case "replace": {
      const path = opString(op, "path");
      if (path === "") {
        if (!isMap(value)) throw new OpError("replacing the whole object needs an object value");
        return value;
      }
      const [c, k] = parentOf(doc, path, "path");
      if (Array.isArray(c)) c[arrayIndex(c, k, c.length)] = value;
      else setKey(c, k, value);
      return doc;
    }
    case "move":
    case "copy": {
      const from = opString(op, "from");
      const [fc, fk] = parentOf(doc, from, "from");
      if (Array.isArray(fc)) arrayIndex(fc, fk, fc.length);
      const v = kind === "move" ? remove(fc, fk) : cloneJson(getChild(fc, fk) ?? null);
      const [c, k] = parentOf(doc, opString(op, "path"), "path");
      add(c, k, v);
      return doc;
    }
    case "test": {
      const path = opString(op, "path");
      let actual: Json | undefined = doc;
      if (path !== "") {
        const [c, k] = parentOf(doc, path, "path");
        if (Array.isArray(c)) arrayIndex(c, k, c.length);
        actual = getChild(c, k);
      }
      // kubectl decodes null as "no value": a missing or null member passes a test against null.
      const nothing = actual === undefined || actual === null;
      const ok = hasKey(op, "value") && (nothing ? value === null : jsonEqual(actual, value));
      if (!ok) {
        throw new OpError(`test failed: the value at ${JSON.stringify(path)} is ${JSON.stringify(actual) ?? "missing"}, not ${JSON.stringify(op.value) ?? "(no value given)"}`);
      }
      return doc;
    }
    default:
      throw new OpError(`unknown op ${JSON.stringify(kind) ?? "(missing)"}; use add, remove, replace, move, copy or test`);
  }
}

/** Applies the operations to `doc` (mutated; pass a copy) and returns the result. */
export function jsonPatch(doc: JsonMap, ops: Json): JsonMap {
  if (!Array.isArray(ops)) {
    throw new UserError("json patch: the patch must be a list of operations like [{op: add, path: /metadata/labels/x, value: y}]");
  }
  ops.forEach((op, i) => {
    if (!isMap(op)) throw new UserError(`json patch operation ${i + 1}: must be an object with "op" and "path", got ${JSON.stringify(op)}`);
    try {
      doc = applyOne(doc, op);
    } catch (e) {
      if (!(e instanceof OpError)) throw e;
      const what = [op.op, op.from, op.path].filter((x) => typeof x === "string").join(" ");
      throw new UserError(`json patch operation ${i + 1} (${what}): ${e.message}`);
    }
  });
  return doc;
}
