import type { HookLog, ResolvedConfig, Spawn, SpawnRequest } from "../config/types.ts";
import { wrapError } from "../errors.ts";
import { applyPatches } from "../patch/stage.ts";
import { runPreApply } from "./hooks/pre-apply.ts";
import { resolveSpawn } from "../profile/resolve-spawn.ts";
import { renderServer, renderSources } from "../render/index.ts";
import { lifetimeOf, serverIdentity, withIdentity } from "../objects/labels.ts";
import { ObjectSet } from "../objects/object-set.ts";

/**
 * The contract labels are re-asserted after the hooks, as after patches: stop and garbage
 * collection select by them, so no plugin may drop them (objects a plugin added get them too).
 */
function relabel(set: ObjectSet, spawn: Spawn): ObjectSet {
  const id = serverIdentity(spawn.ctx);
  const out = new ObjectSet();
  for (const o of set.list()) out.add(withIdentity(o, id, lifetimeOf(o, "server")), set.origins(o));
  return out;
}

export interface PlannedServer {
  readonly spawn: Spawn;
  readonly objects: ObjectSet;
}

function stage<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw wrapError(name, err);
  }
}

/**
 * Everything before `apply`, as one readable sequence (what `dry-run` prints and `serve`
 * applies): resolve → render → patch → preApply hooks. Pure apart from operator hooks.
 */
export async function planServer(
  config: ResolvedConfig,
  req: SpawnRequest,
  opts: { log: HookLog; signal: AbortSignal },
): Promise<PlannedServer> {
  const spawn = stage("resolve", () => resolveSpawn(config, req));
  const objects = stage("render", () => renderServer(spawn));
  stage("patch", () => applyPatches(objects, renderSources(spawn.ctx, spawn.patches, "patch")));
  try {
    const hooked = await runPreApply(config.plugins, spawn.ctx, objects, opts.log, opts.signal);
    return { spawn, objects: relabel(hooked, spawn) };
  } catch (err) {
    throw wrapError("preApply", err);
  }
}
