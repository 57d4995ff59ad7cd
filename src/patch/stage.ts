/**
 * The patch stage: each rendered patch document, in order (defaults' patches in key order,
 * then the profile's, then the options' — the order the resolver gives), is applied to the
 * object with the same kind and metadata.name, like upstream's `kubectl patch`.
 */
import { isObj } from "../objects/plain-data.ts";
import { UserError } from "../errors.ts";
import { describe } from "../objects/identity.ts";
import type { ObjectSet } from "../objects/object-set.ts";
import type { KubeObject, Origin } from "../objects/types.ts";
import { identityOf, lifetimeOf, withIdentity } from "../objects/labels.ts";
import { describeSource } from "../render/sources.ts";
import type { RenderedSource } from "../render/sources.ts";
import { defaultPatchType, patchObject } from "./index.ts";

/** The objects a patch that matched nothing could have meant: same kind, or same name. */
function candidates(set: ObjectSet, patch: KubeObject): string {
  const all = set.list();
  let near = all.filter((o) => o.kind === patch.kind || o.metadata.name === patch.metadata.name);
  if (near.length === 0) near = all;
  return near.map(describe).join(", ") || "(none)";
}

export function applyPatches(set: ObjectSet, rendered: ReadonlyArray<RenderedSource>): void {
  for (const { source, objects } of rendered) {
    const name = describeSource("patch", source);
    const origin: Origin = { stage: "patch", name: source.key, ...(source.location ? { location: source.location } : {}) };
    for (const patch of objects) {
      const target = set.find(patch.kind, patch.metadata.name);
      if (!target) {
        throw new UserError(
          `${name} matches no object: there is no ${patch.kind} named "${patch.metadata.name}"; it could have meant one of: ${candidates(set, patch)}. Patches select their target by kind and metadata.name (use {{key}} for the server's objects)`,
        );
      }
      if (patch.apiVersion !== undefined && patch.apiVersion !== target.apiVersion) {
        throw new UserError(
          `${name} says apiVersion ${JSON.stringify(patch.apiVersion)} but ${describe(target)} is ${JSON.stringify(target.apiVersion)}; leave apiVersion out of the patch or make it match`,
        );
      }
      let patched: unknown;
      try {
        patched = patchObject(target, patch, defaultPatchType(target.apiVersion, target.kind));
      } catch (err) {
        throw new UserError(`${name} could not be applied to ${describe(target)}: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
      }
      if (!isObj(patched) || !isObj(patched.metadata)) {
        throw new UserError(`${name} turned ${describe(target)} into something that is not an object with metadata`);
      }
      // Labels are a contract (stop and GC select by them): whatever a patch did to the
      // identity labels/annotations, they are put back; the lifetime may change between
      // "server" and "user" (also via upstream's delete-on-stop label) but not disappear.
      let result: KubeObject;
      try {
        const asObject = patched as KubeObject;
        // What the patch itself says wins; else what the result carries; else (label deleted) the old one.
        const lifetime = lifetimeOf(patch, lifetimeOf(asObject, lifetimeOf(target, "server")));
        result = withIdentity(asObject, identityOf(target), lifetime);
      } catch (err) {
        throw new UserError(`${name}: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
      }
      try {
        set.replace(target, result, origin);
      } catch (err) {
        throw new UserError(err instanceof Error ? err.message : String(err), [], { cause: err });
      }
    }
  }
}
