/**
 * Plain data as YAML, JSON and config.ts give it: the one test for a mapping, and the one
 * recursive merge where `null` removes a key. KubeSpawner merges `kubespawner_override` so
 * (recursive_update) and Helm merges a values file over the chart's so.
 */
export type PlainMap = Record<string, unknown>;

/** A mapping: an object that is not an array (nor null). */
export function isObj(v: unknown): v is PlainMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `over` merged into a copy of `base`: mappings merge key by key, `null` removes the key,
 * anything else replaces it (copied). A key `__proto__` stays data.
 */
export function mergeTree(base: PlainMap, over: PlainMap): PlainMap {
  const out: PlainMap = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const before = Object.hasOwn(out, k) ? out[k] : undefined;
    const value = isObj(v) ? mergeTree(isObj(before) ? before : {}, v) : structuredClone(v);
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
