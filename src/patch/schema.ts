/**
 * Patch metadata lookups over the generated table, shaped like kubectl's struct-tag lookups
 * (apimachinery strategicpatch.PatchMetaFromStruct), because `kubectl patch --local` decides
 * merge keys and strategies from Go struct tags, which the OpenAPI extensions mirror.
 */
import { KINDS, TYPES } from "./table.generated.ts";

/** What kubectl knows about a value's type: a struct (with fields), a list, a map, or a primitive. */
export type Schema =
  | { readonly k: "struct"; readonly name: string }
  | { readonly k: "slice"; readonly elem: Schema }
  | { readonly k: "map" }
  | { readonly k: "prim" };

export interface PatchMeta {
  /** `x-kubernetes-patch-strategy` split on commas (e.g. ["merge", "retainKeys"]); [] when absent. */
  readonly strategies: readonly string[];
  /** `x-kubernetes-patch-merge-key`, "" when absent. */
  readonly mergeKey: string;
  /** `x-kubernetes-list-type` (informational: strategic merge ignores it, as kubectl does). */
  readonly listType: string;
}

export interface Field {
  readonly schema: Schema;
  readonly meta: PatchMeta;
}

/** A lookup that kubectl itself would fail; the engine turns it into an operator-facing error. */
export class SchemaLookupError extends Error {
  override readonly name = "SchemaLookupError";
}

const MAP: Schema = { k: "map" };
const PRIM: Schema = { k: "prim" };

function typeSchema(t: string): Schema {
  if (t === "{}") return MAP;
  if (t === "[]") return { k: "slice", elem: PRIM };
  if (t.startsWith("[]")) return { k: "slice", elem: typeSchema(t.slice(2)) };
  return { k: "struct", name: t };
}

function parseField(desc: string): Field {
  const [type, ...tags] = desc.split(" ");
  let strategies: string[] = [];
  let mergeKey = "";
  let listType = "";
  for (const tag of tags) {
    const v = tag.slice(2);
    if (tag.startsWith("s=")) strategies = v.split(",");
    else if (tag.startsWith("k=")) mergeKey = v;
    else if (tag.startsWith("l=")) listType = v;
  }
  return { schema: typeSchema(type!), meta: { strategies, mergeKey, listType } };
}

const fieldCache = new Map<string, Map<string, Field>>();
function fieldsOf(typeName: string): Map<string, Field> {
  let m = fieldCache.get(typeName);
  if (!m) {
    m = new Map(Object.entries(TYPES[typeName] ?? {}).map(([f, d]) => [f, parseField(d)]));
    fieldCache.set(typeName, m);
  }
  return m;
}

/** The schema of a whole object of this kind, or undefined when the kind is not built in (CRDs). */
export function kindSchema(apiVersion: string | undefined, kind: string): Schema | undefined {
  const t = KINDS[`${apiVersion ?? ""}/${kind}`];
  return t === undefined ? undefined : { k: "struct", name: t };
}

export function typeLabel(s: Schema): string {
  switch (s.k) {
    case "struct":
      return s.name.split(".").at(-1)!;
    case "slice":
      return "list";
    case "map":
      return "map";
    case "prim":
      return "scalar";
  }
}

/**
 * The field `key` of struct schema `s` (kubectl: LookupPatchMetadataForStruct). Like Go's JSON
 * field matching, an exact name wins, else a case-insensitive one. Fields missing from the table
 * are scalars there, so an object or list under them is as unknown to kubectl as a typo.
 */
export function lookupField(s: Schema, key: string): Field {
  if (s.k !== "struct") {
    throw new SchemaLookupError(`"${key}" sits inside a ${typeLabel(s)}, which kubectl cannot merge objects or lists into`);
  }
  const fields = fieldsOf(s.name);
  const exact = fields.get(key);
  if (exact) return exact;
  const lower = key.toLowerCase();
  for (const [name, f] of fields) if (name.toLowerCase() === lower) return f;
  throw new SchemaLookupError(`${typeLabel(s)} has no field "${key}" that holds an object or a list`);
}

/** Like lookupField, for a list-valued key: returns the element schema (kubectl: LookupPatchMetadataForSlice). */
export function lookupSliceField(s: Schema, key: string): Field {
  const f = lookupField(s, key);
  if (f.schema.k !== "slice") throw new SchemaLookupError(`"${key}" is a ${typeLabel(f.schema)} in the schema, not a list`);
  if (f.schema.elem.k === "slice") throw new SchemaLookupError(`"${key}" is a list of lists, which strategic merge does not support`);
  return { schema: f.schema.elem, meta: f.meta };
}

