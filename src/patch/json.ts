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
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  const out: JsonMap = {};
  for (const k of Object.keys(v)) setKey(out, k, cloneJson((v as JsonMap)[k]!));
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

/** Rejects values JSON cannot hold (functions, undefined, Dates, NaN…) with the path where they are. */
export function assertJson(v: unknown, where: string): asserts v is Json {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError(`${where || "value"}: ${v} is not a JSON number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJson(x, `${where}[${i}]`));
    return;
  }
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v)) assertJson(x, where ? `${where}.${k}` : k);
    return;
  }
  throw new TypeError(`${where || "value"}: ${typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v} is not JSON data`);
}
