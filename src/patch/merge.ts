/**
 * JSON merge patch (RFC 7386) as `kubectl patch --type merge` applies it (evanphx/json-patch v4
 * MergePatch): null deletes a key; objects merge; anything else replaces. Values added where the
 * object had nothing (or a non-object) lose their null keys at any depth; a list replacing an
 * object keeps them, as kubectl does.
 */
import { hasKey, isMap, type Json, type JsonMap, setKey } from "./json.ts";

function pruneNulls(v: Json): void {
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null) pruneNulls(x);
  } else if (isMap(v)) {
    for (const k of Object.keys(v)) {
      const x = v[k]!;
      if (x === null) delete v[k];
      else pruneNulls(x);
    }
  }
}

function mergeValue(cur: Json, patch: Json): Json {
  if (!isMap(cur)) {
    pruneNulls(patch);
    return patch;
  }
  if (!isMap(patch)) return patch;
  mergeDocs(cur, patch);
  return cur;
}

function mergeDocs(doc: JsonMap, patch: JsonMap): void {
  for (const k of Object.keys(patch)) {
    const v = patch[k]!;
    if (v === null) {
      delete doc[k];
    } else if (!hasKey(doc, k) || doc[k] === null) {
      pruneNulls(v);
      setKey(doc, k, v);
    } else {
      setKey(doc, k, mergeValue(doc[k]!, v));
    }
  }
}

/** Merges `patch` into `doc` (both mutated; pass copies) and returns the result. */
export function jsonMergePatch(doc: JsonMap, patch: JsonMap): JsonMap {
  mergeDocs(doc, patch);
  return doc;
}
