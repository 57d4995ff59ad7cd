/** Plain JSON values as patches see them (what JSON.parse / the yaml package produce). */
export type Json = null | boolean | number | string | Json[] | JsonMap;
export interface JsonMap {
  [key: string]: Json;
}

export function isMap(v: unknown): v is JsonMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function hasKey(m: JsonMap, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, k);
}

/** Sets a key without ever touching the prototype (a key named `__proto__` stays data). */
export function setKey(m: JsonMap, k: string, v: Json): void {
  if (k === "__proto__") Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
  else m[k] = v;
}

/** The Go type name kubectl's merge compares (reflect.TypeOf of a decoded JSON value). */
export type GoType = "nil" | "map" | "slice" | "string" | "float64" | "bool";
export function goType(v: Json | undefined): GoType {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    default:
      return "map";
  }
}

/** Deep copy of JSON data: the engine mutates its working copies the way kubectl's Go code does. */
export function cloneJson<T extends Json>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array<Json>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]!);
    return out as T;
  }
  const out: JsonMap = {};
  for (const k in v) {
    const x = cloneJson((v as JsonMap)[k]!);
    if (k === "__proto__") setKey(out, k, x);
    else out[k] = x;
  }
  return out as T;
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const am = a as JsonMap;
  const bm = b as JsonMap;
  const ak = Object.keys(am);
  if (ak.length !== Object.keys(bm).length) return false;
  return ak.every((k) => hasKey(bm, k) && jsonEqual(am[k], bm[k]));
}

const NOT_JSON = Symbol("not JSON");

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function copyOrThrow(v: unknown): Json {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
    throw NOT_JSON;
  }
  if (Array.isArray(v)) {
    const out = new Array<Json>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyOrThrow(v[i]);
    return out;
  }
  if (typeof v === "object" && isPlainObject(v)) {
    const out: JsonMap = {};
    for (const k of Object.keys(v)) {
      const x = copyOrThrow((v as Record<string, unknown>)[k]);
      if (k === "__proto__") setKey(out, k, x);
      else out[k] = x;
    }
    return out;
  }
  throw NOT_JSON;
}

/** Where the first non-JSON value is, and what it is (only walked when copying failed). */
function findNotJson(v: unknown, where: string): string | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean") return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? undefined : `${where}: ${v} is not a JSON number`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = findNotJson(v[i], `${where}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === "object" && isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const bad = findNotJson(x, `${where}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  const what = typeof v === "object" ? ((v as object).constructor?.name ?? "object") : typeof v;
  return `${where}: ${what} is not JSON data`;
}

/**
 * A deep copy of `v` that is guaranteed to be JSON data; anything else (functions, undefined,
 * Dates, NaN, class instances…) is rejected with the path where it is. One pass, since the
 * engine needs a private copy anyway.
 */
export function toJsonCopy(v: unknown, where: string): Json {
  try {
    return copyOrThrow(v);
  } catch (e) {
    if (e !== NOT_JSON) throw e;
    throw new TypeError(findNotJson(v, where) ?? `${where} is not JSON data`);
  }
}
