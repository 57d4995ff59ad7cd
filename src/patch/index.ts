/**
 * PLACEHOLDER until the strategic-merge engine lands (issue 3): a JSON merge patch
 * (RFC 7386) for every kind. The signature is the contract the render stage uses.
 */
export type PatchType = "strategic" | "merge" | "json";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Which patch type the API server would use for this kind (strategic for built-ins). */
export function defaultPatchType(_apiVersion: string | undefined, _kind: string): PatchType {
  return "merge";
}

/** Returns the patched copy; never mutates its inputs. Throws Error with a clear message. */
export function patchObject(target: unknown, patch: unknown, type: PatchType): unknown {
  if (type === "json") throw new Error("json patch is not implemented yet");
  return mergePatch(target, patch);
}
