/**
 * Patching Kubernetes objects the way `kubectl patch --local` does: strategic merge for built-in
 * kinds (merge keys and strategies from the generated OpenAPI table), JSON merge patch for kinds
 * without a schema (CRDs, like the API server), and JSON patch on request.
 */
import { UserError } from "../errors.ts";
import { isMap, type Json, type JsonMap, toJsonCopy } from "./json.ts";
import { jsonPatch } from "./json-patch.ts";
import { jsonMergePatch } from "./merge.ts";
import { kindSchema } from "./schema.ts";
import { strategicMergeMap } from "./strategic.ts";

export type PatchType = "strategic" | "merge" | "json";
export const PATCH_TYPES: readonly PatchType[] = ["strategic", "merge", "json"];

/** Which patch type the API server would use for this kind: strategic for built-ins, merge otherwise (CRDs). */
export function defaultPatchType(apiVersion: string | undefined, kind: string): PatchType {
  return kindSchema(apiVersion, kind) ? "strategic" : "merge";
}

function describe(obj: JsonMap): string {
  const kind = typeof obj.kind === "string" ? obj.kind : "object";
  const meta = isMap(obj.metadata) ? obj.metadata : {};
  return typeof meta.name === "string" ? `${kind} ${meta.name}` : kind;
}

/** Returns the patched copy; never mutates its inputs. Throws UserError with a clear message. */
export function patchObject(target: unknown, patch: unknown, type: PatchType): unknown {
  let t: Json;
  let p: Json;
  try {
    t = toJsonCopy(target, "object");
    p = toJsonCopy(patch, "patch");
  } catch (e) {
    throw new UserError(`cannot patch: ${(e as Error).message}`);
  }
  if (!isMap(t)) throw new UserError(`cannot patch: the object must be a map with apiVersion, kind and metadata, got ${JSON.stringify(target)}`);
  const what = describe(t);
  if (type === "json") {
    try {
      return jsonPatch(t, p);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`cannot patch ${what}: ${e.message}`, e.details, { cause: e });
      throw e;
    }
  }
  if (!isMap(p)) {
    throw new UserError(`cannot patch ${what}: a ${type} patch must be a map (like the object it changes), got ${JSON.stringify(patch)}`);
  }
  if (type === "merge") return jsonMergePatch(t, p);
  if (type !== "strategic") throw new UserError(`unknown patch type ${JSON.stringify(type)}; use strategic, merge or json`);
  const apiVersion = typeof t.apiVersion === "string" ? t.apiVersion : undefined;
  const kind = typeof t.kind === "string" ? t.kind : "";
  const schema = kindSchema(apiVersion, kind);
  if (!schema) {
    throw new UserError(
      `cannot patch ${what}: strategic merge patch needs a built-in kind, and ${apiVersion ?? "(no apiVersion)"}/${kind || "(no kind)"} is not one ` +
        "(custom resources have no merge keys); use a merge patch (--type merge) instead",
    );
  }
  try {
    return strategicMergeMap(t, p, schema);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`cannot patch ${what}: ${e.message}`, e.details, { cause: e });
    throw e;
  }
}
