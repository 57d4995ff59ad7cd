/**
 * Strategic merge patch with `kubectl patch --local` semantics (apimachinery
 * strategicpatch.StrategicMergePatch with MergeParallelList and IgnoreUnmatchedNulls), written
 * from its documented behaviour: the same merge, the same directive handling, the same list
 * ORDER, and the same quirks (e.g. new list items are appended as written, nulls and all),
 * because operators compare our dry-run with what kubectl would have produced.
 *
 * The working copies are mutated in place, as kubectl's Go code does; patchObject() passes
 * clones so callers' values are never touched.
 */
import { UserError } from "../errors.ts";
import { goDecodedCapacity, goDeduplicateInPlace, goSliceStable } from "./go-order.ts";
import { type GoType, goType, hasKey, isMap, type Json, type JsonMap, setKey } from "./json.ts";
import { type Schema, SchemaLookupError, lookupField, lookupSliceField } from "./schema.ts";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";

function fail(path: string, msg: string): UserError {
  return new UserError(`strategic merge patch, at ${path || "the top level"}: ${msg}`);
}
const child = (path: string, key: string): string => (path ? `${path}.${key}` : key);
const show = (v: Json | undefined): string => JSON.stringify(v) ?? "undefined";

/** Merges `patch` into `original` (both mutated) and returns the result. */
export function strategicMergeMap(original: JsonMap, patch: JsonMap, schema: Schema): JsonMap {
  return mergeMap(original, patch, schema, "");
}

function lookup(schema: Schema, key: string, path: string, slice: boolean) {
  try {
    return slice ? lookupSliceField(schema, key) : lookupField(schema, key);
  } catch (e) {
    if (e instanceof SchemaLookupError) {
      throw fail(path, `${e.message}; kubectl rejects this patch too. Check the field name, or patch with --type merge`);
    }
    throw e;
  }
}

/** "merge,retainKeys" → "merge" (kubectl: extractRetainKeysPatchStrategy). */
function mainStrategy(strategies: readonly string[], path: string): string {
  if (strategies.length <= 1) return strategies[0] === "retainKeys" ? "" : (strategies[0] ?? "");
  if (strategies.length === 2) {
    if (strategies[0] === "retainKeys") return strategies[1]!;
    if (strategies[1] === "retainKeys") return strategies[0]!;
  }
  throw fail(path, `unexpected patch strategy ${strategies.join(",")} in the schema`);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: Schema, path: string): JsonMap {
  if (hasKey(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === "replace") {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (d === "delete") return {};
    throw fail(path, `unknown ${DIRECTIVE} value ${show(d)} in a map; use "replace" or "delete" (kubectl does not accept "merge" here)`);
  }
  applyRetainKeys(original, patch, path);
  mergeOrderedLists(original, patch, schema, path);

  // kubectl walks a Go map here, so when `$deleteFromPrimitiveList/x` and `x` share a value the
  // result varies between its runs; deleting first is its usual outcome (the directive sorts
  // first in the patch's JSON, and Go map iteration mostly keeps insertion order for small maps).
  const keys = Object.keys(patch);
  const ordered = [...keys.filter((k) => k.startsWith(DELETE_FROM_PRIMITIVE_LIST)), ...keys.filter((k) => !k.startsWith(DELETE_FROM_PRIMITIVE_LIST))];
  for (let k of ordered) {
    const patchV = patch[k]!;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      k = directiveTarget(k, DELETE_FROM_PRIMITIVE_LIST, path);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    if (!hasKey(original, k) || goType(original[k]) !== goType(patchV)) {
      // Absent, or a different type: the patch value wins as written (minus nulls and directives).
      if (!isDeleteList) {
        discardNulls(patchV);
        const [v, keep] = removeDirectives(patchV);
        if (keep) setKey(original, k, v);
        else delete original[k];
      }
      continue;
    }
    const here = child(path, k);
    const origV = original[k]!;
    switch (goType(origV)) {
      case "map": {
        const f = lookup(schema, k, here, false);
        const strategy = mainStrategy(f.meta.strategies, here);
        setKey(original, k, strategy === "replace" ? patchV : mergeMap(origV as JsonMap, patchV as JsonMap, f.schema, here));
        break;
      }
      case "slice": {
        const f = lookup(schema, k, here, true);
        const strategy = mainStrategy(f.meta.strategies, here);
        setKey(original, k, mergeSliceHandler(origV as Json[], patchV as Json[], f.schema, strategy, f.meta.mergeKey, isDeleteList, here));
        break;
      }
      default: {
        const [v] = removeDirectives(patchV);
        setKey(original, k, v);
      }
    }
  }
  return original;
}

/** `$deleteFromPrimitiveList/finalizers` → `finalizers`. */
function directiveTarget(key: string, prefix: string, path: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw fail(path, `malformed directive key "${key}"; write it as "${prefix}/<field>"`);
  }
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonMap, patch: JsonMap, path: string): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw fail(path, `${RETAIN_KEYS} must be a list of field names, got ${show(list)}`);
  const keep = new Set<Json>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw fail(path, `the patch sets "${k}" but ${RETAIN_KEYS} ${show(list)} does not list it; add it to ${RETAIN_KEYS}`);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Drops null map values at any depth (nulls inside lists stay), like kubectl for values it adds. */
function discardNulls(v: Json): void {
  if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  } else if (isMap(v)) {
    for (const k of Object.keys(v)) {
      const x = v[k]!;
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  }
}

/** Drops maps carrying `$patch` (at any depth); other directive keys stay, as in kubectl. */
function removeDirectives(v: Json): [Json, boolean] {
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const x of v) {
      const [nx, keep] = removeDirectives(x);
      if (keep) out.push(nx);
    }
    return [out, true];
  }
  if (isMap(v)) {
    if (hasKey(v, DIRECTIVE)) return [null, false];
    for (const k of Object.keys(v)) {
      const [nx, keep] = removeDirectives(v[k]!);
      if (keep) setKey(v, k, nx);
      else delete v[k];
    }
  }
  return [v, true];
}

function mergeSliceHandler(
  original: Json[],
  patch: Json[],
  elem: Schema,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  path: string,
): Json[] {
  // Lists without the merge strategy (tolerations, args…) are replaced by the patch as written.
  if (strategy === "merge" || isDeleteList) return mergeSlice(original, patch, elem, mergeKey, isDeleteList, path);
  return patch;
}

/** The common element type of the lists (kubectl: sliceElementType). */
function elementType(lists: readonly (readonly Json[] | undefined)[], path: string): GoType {
  let t: GoType | undefined;
  for (const l of lists) {
    for (const v of l ?? []) {
      const vt = goType(v);
      if (vt === "nil") throw fail(path, "a list item is null; remove it or use a $patch directive");
      if (t === undefined) {
        if (vt === "slice") throw fail(path, "lists of lists cannot be merged");
        t = vt;
      } else if (t !== vt) {
        throw fail(path, `the list mixes ${t === "map" ? "objects" : t} with ${vt === "map" ? "objects" : vt} items; all items must have the same type`);
      }
    }
  }
  if (t === undefined) throw fail(path, "no items in the list or in its $setElementOrder to take an order from");
  return t;
}

const itemPath = (path: string, mergeKey: string, item: Json): string =>
  isMap(item) && mergeKey && hasKey(item, mergeKey) ? `${path}[${mergeKey}=${show(item[mergeKey]).replace(/^"|"$/g, "")}]` : `${path}[]`;

function noMergeKey(path: string, item: Json, mergeKey: string): UserError {
  return fail(path, `the item ${show(item)} has no "${mergeKey}", the key this list is merged by; add "${mergeKey}" to it`);
}

/** Capacities of lists kubectl built itself (not decoded from JSON). */
const sliceCapacity = new WeakMap<readonly Json[], number>();

function mergeSlice(original: Json[], patch: Json[] | null, elem: Schema, mergeKey: string, isDeleteList: boolean, path: string): Json[] {
  if (original.length === 0 && (patch?.length ?? 0) === 0) return original;
  const kind = elementType([original, patch ?? []], path);
  let merged: Json[];
  if (kind !== "map") {
    if (isDeleteList) {
      const drop = new Set(patch);
      const kept = original.filter((v) => !drop.has(v));
      sliceCapacity.set(kept, original.length); // Go: make([]T, 0, len(current))
      return kept;
    }
    // Go appends the patch into the original's spare capacity when it fits, so deduplicating
    // in place can overwrite the ORIGINAL list's items (only when it holds duplicates); that
    // changed list is what the order is then taken from. Mirror it, as kubectl's output shows it.
    const all = [...original, ...(patch ?? [])];
    const n = goDeduplicateInPlace(all);
    const cap = sliceCapacity.get(original) ?? goDecodedCapacity(original.length);
    if (all.length <= cap) for (let i = 0; i < original.length; i++) original[i] = all[i]!;
    merged = all.slice(0, n);
  } else {
    if (mergeKey === "") throw fail(path, "this list of objects has no merge key, so kubectl cannot merge it");
    [original, patch] = applyListDirectives(original, patch ?? [], mergeKey, path);
    merged = mergeByKey(original, patch, elem, mergeKey, path);
  }
  const [patchItems, serverOnly] =
    mergeKey === "" ? partitionPrimitives(merged, patch ?? []) : partitionMaps(merged, patch ?? [], mergeKey, path);
  return normalizeElementOrder(patchItems, serverOnly, patch ?? [], original, mergeKey, kind, path);
}

/** `$patch: delete` items remove matches; `$patch: replace` makes the patch the whole list. */
function applyListDirectives(original: Json[], patch: Json[], mergeKey: string, path: string): [Json[], Json[] | null] {
  const plain: Json[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JsonMap;
    if (!hasKey(item, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const d = item[DIRECTIVE];
    if (d === "delete") {
      if (!hasKey(item, mergeKey)) {
        throw fail(path, `an item with "${DIRECTIVE}: delete" must name the item to delete by "${mergeKey}": ${show(item)}`);
      }
      const key = item[mergeKey];
      original.forEach((x, i) => {
        if (!isMap(x)) throw fail(path, `item ${i} is not an object`);
      });
      original = original.filter((x) => !(hasKey(x as JsonMap, mergeKey) && (x as JsonMap)[mergeKey] === key));
    } else if (d === "replace") {
      replace = true;
    } else if (d === "merge") {
      throw fail(path, `"${DIRECTIVE}: merge" in a list item is not supported by kubectl; lists with a merge key are merged already, remove the item`);
    } else {
      throw fail(path, `unknown ${DIRECTIVE} value ${show(d)} in a list item; use "delete" (or "replace" for the whole list)`);
    }
  }
  return replace ? [plain, null] : [original, plain];
}

function findByKey(list: readonly Json[], mergeKey: string, value: Json, path: string): number {
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (!isMap(x)) throw fail(path, `item ${i} is not an object`);
    if (hasKey(x, mergeKey) && x[mergeKey] === value) return i;
  }
  return -1;
}

/** Items matching by merge key are merged; new ones are appended exactly as written in the patch. */
function mergeByKey(original: Json[], patch: readonly Json[] | null, elem: Schema, mergeKey: string, path: string): Json[] {
  const out = original.slice();
  for (const v of patch ?? []) {
    const item = v as JsonMap;
    if (!hasKey(item, mergeKey)) throw noMergeKey(path, item, mergeKey);
    const i = findByKey(out, mergeKey, item[mergeKey]!, path);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonMap, item, elem, itemPath(path, mergeKey, item));
    else out.push(v);
  }
  return out;
}

function partitionPrimitives(merged: readonly Json[], by: readonly Json[]): [Json[], Json[]] {
  const inPatch = new Set(by);
  return [merged.filter((v) => inPatch.has(v)), merged.filter((v) => !inPatch.has(v))];
}

function partitionMaps(merged: readonly Json[], by: readonly Json[], mergeKey: string, path: string): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const v of merged) {
    if (!isMap(v)) throw fail(path, `expected an object in the list, got ${show(v)}`);
    if (!hasKey(v, mergeKey)) throw noMergeKey(path, v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]!, path) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** Position of an item in `list`, comparing merge-key values for objects (kubectl: index). */
function indexIn(list: readonly Json[], item: Json, mergeKey: string, kind: GoType): number {
  const val = (x: Json): Json | undefined => (kind === "map" ? (isMap(x) ? (x[mergeKey] ?? null) : null) : x);
  const want = val(item);
  for (let i = 0; i < list.length; i++) if (val(list[i]!) === want) return i;
  return -1;
}

function normalizeSliceOrder(toSort: Json[], order: readonly Json[], mergeKey: string, kind: GoType, path: string): Json[] {
  let toDelete: Json[] = [];
  if (kind === "map") {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isMap(item)) throw fail(path, `expected an object in the list, got ${show(item)}`);
        if (!hasKey(item, mergeKey)) throw noMergeKey(path, item, mergeKey);
      }
    }
    const keep = toSort.filter((x) => (x as JsonMap)[DIRECTIVE] !== "delete");
    toDelete = toSort.filter((x) => (x as JsonMap)[DIRECTIVE] === "delete");
    toSort = keep;
  } else {
    toSort = toSort.slice();
  }
  goSliceStable(toSort, (a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...toSort, ...toDelete];
}

/**
 * Patch items keep the patch's (or $setElementOrder's) order; server-only items keep theirs and
 * are interleaved by their position in the original list (kubectl: mergeSortedSlice).
 */
function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  mergeKey: string,
  kind: GoType,
  path: string,
): Json[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind, path);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind, path);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function sameItem(a: Json, b: Json, mergeKey: string, path: string): boolean {
  if (!mergeKey) return a === b;
  for (const x of [a, b]) {
    if (!isMap(x)) throw fail(path, `expected an object, got ${show(x)}`);
    if (!hasKey(x, mergeKey)) throw noMergeKey(path, x, mergeKey);
  }
  return (a as JsonMap)[mergeKey] === (b as JsonMap)[mergeKey];
}

/** The patch's items must appear in $setElementOrder, in the same relative order. */
function checkSetOrder(patchList: readonly Json[], order: readonly Json[], mergeKey: string, key: string, path: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const x of patchList) if (!isMap(x)) throw fail(path, `expected an object in "${key}", got ${show(x)}`);
    items = patchList.filter((x) => (x as JsonMap)[DIRECTIVE] !== "delete");
  }
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p]!;
    if (isMap(item) && hasKey(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameItem(item, order[s]!, mergeKey, path)) p++;
    s++;
  }
  if (p < items.length && s >= order.length) {
    throw fail(path, `the items of "${key}" in the patch are not all in ${SET_ELEMENT_ORDER}/${key}, or not in its order; list every patched item there`);
  }
}

/** Handles `$setElementOrder/<list>` and merges that list now, then fixes its order. */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, schema: Schema, path: string): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER) || !hasKey(patch, key)) continue;
    const order = patch[key]!;
    delete patch[key];
    if (!Array.isArray(order)) throw fail(path, `"${key}" must be a list, got ${show(order)}`);
    const listKey = directiveTarget(key, SET_ELEMENT_ORDER, path);
    const here = child(path, listKey);
    const foundOriginal = hasKey(original, listKey);
    const foundPatch = hasKey(patch, listKey);
    const origList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(origList)) throw fail(here, `the object's value is ${show(origList)}, not a list, so ${key} cannot order it`);
    if (foundPatch && !Array.isArray(patchList)) throw fail(here, `the patch's value is ${show(patchList)}, not a list, so ${key} cannot order it`);
    const origArr = foundOriginal ? (origList as Json[]) : undefined;
    const patchArr = foundPatch ? (patchList as Json[]) : undefined;
    const f = lookup(schema, listKey, here, true);
    const strategy = mainStrategy(f.meta.strategies, here);
    const mergeKey = f.meta.mergeKey;
    checkSetOrder(patchArr ?? [], order, mergeKey, listKey, here);
    let merged: Json[];
    if (origArr && !patchArr) merged = origArr;
    else if (!origArr && patchArr) merged = removeDirectives(patchArr)[0] as Json[];
    else if (origArr && patchArr) merged = mergeSliceHandler(origArr, patchArr, f.schema, strategy, mergeKey, false, here);
    else continue;
    const [patchItems, serverOnly] =
      mergeKey === "" ? partitionPrimitives(merged, order) : partitionMaps(merged, order, mergeKey, here);
    const kind = elementType([origArr, patchArr], here);
    setKey(original, listKey, normalizeElementOrder(patchItems, serverOnly, order, origArr ?? [], mergeKey, kind, here));
    delete patch[listKey];
  }
}
