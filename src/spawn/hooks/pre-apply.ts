import type { HookLog, Plugin, SpawnContext } from "../../config/types.ts";
import { identity } from "../../objects/identity.ts";
import { ObjectSet } from "../../objects/object-set.ts";
import type { KubeObject } from "../../objects/types.ts";
import { UserError } from "../../errors.ts";
import { hookError, isBuiltin, orderPlugins } from "./order.ts";

function validObject(o: unknown): o is KubeObject {
  if (typeof o !== "object" || o === null) return false;
  const obj = o as Partial<KubeObject>;
  return typeof obj.kind === "string" && typeof obj.metadata?.name === "string";
}

/**
 * Runs every `preApply` hook in order over the server's objects (sequential: each sees what
 * the previous left). Hooks may change, add or remove objects in `ctx.objects`; the result is
 * a new ObjectSet remembering which of the operator's plugins touched which object.
 */
export async function runPreApply(
  plugins: readonly Plugin[],
  spawnCtx: SpawnContext,
  set: ObjectSet,
  log: HookLog,
  signal: AbortSignal,
): Promise<ObjectSet> {
  let current = set;
  for (const plugin of orderPlugins(plugins)) {
    if (!plugin.preApply) continue;
    // A built-in hook is trusted not to mutate objects in place and is not credited: no copy,
    // no comparison.
    const credited = !isBuiltin(plugin);
    const before = new Map(
      current.list().map((o) => [identity(o), { json: credited ? JSON.stringify(o) : "", origins: current.origins(o) }]),
    );
    const objects = credited ? structuredClone(current.list()) : current.list();
    try {
      await plugin.preApply({ ...spawnCtx, objects, log, signal });
    } catch (err) {
      throw hookError(plugin, "preApply", err);
    }
    const next = new ObjectSet();
    for (const [i, o] of objects.entries()) {
      if (!validObject(o)) {
        throw new UserError(`plugin "${plugin.name}" preApply hook left objects[${i}] without kind or metadata.name`);
      }
      const previous = before.get(identity(o));
      const touched = { stage: "plugin" as const, name: plugin.name };
      if (previous === undefined) next.add(o, touched);
      else next.add(o, !credited || previous.json === JSON.stringify(o) ? previous.origins : [...previous.origins, touched]);
    }
    current = next;
  }
  return current;
}
