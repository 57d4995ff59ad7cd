import type { ResolvedConfig } from "../config/resolve.ts";
import type { HookLog } from "../config/types.ts";
import type { Spawn, SpawnRequest } from "../profile/resolve-spawn.ts";
import { wrapError } from "../errors.ts";
import { applyPatches } from "../patch/stage.ts";
import type { ObjectSet } from "../objects/object-set.ts";
import { resolveSpawn } from "../profile/resolve-spawn.ts";
import { addContainerEnv, renderServer, renderSources } from "../render/index.ts";
import { runPreApply } from "./hooks/pre-apply.ts";
import { relabel } from "./hooks/relabel.ts";

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

/** The pure part of a plan: resolve → render → patch → the container's derived env (no operator hook runs). */
export function renderPlan(config: ResolvedConfig, req: SpawnRequest): PlannedServer {
  const spawn = stage("resolve", () => resolveSpawn(config, req));
  const objects = stage("render", () => renderServer(spawn));
  stage("patch", () => applyPatches(objects, renderSources(spawn.ctx, spawn.patches, "patch")));
  // MEM_/CPU_ and JUPYTER_IMAGE come from the container as the patches left it.
  addContainerEnv(objects, spawn);
  return { spawn, objects };
}

/**
 * Everything before `apply`, as one readable sequence (what `dry-run` prints and `serve`
 * applies): resolve → render → patch → the container's derived env → preApply hooks (the
 * operator's, then the built-in relabel). Pure apart from operator hooks.
 */
export async function planServer(
  config: ResolvedConfig,
  req: SpawnRequest,
  opts: { log: HookLog; signal: AbortSignal },
): Promise<PlannedServer> {
  const { spawn, objects } = renderPlan(config, req);
  // Render and the patches leave every label of the contract in place; only an operator's
  // hook can disturb them, so the relabel runs after the operator's hooks, when there are any.
  const hooks = config.plugins.some((p) => p.preApply) ? [...config.plugins, relabel(objects.list())] : config.plugins;
  try {
    return { spawn, objects: await runPreApply(hooks, spawn.ctx, objects, opts.log, opts.signal) };
  } catch (err) {
    throw wrapError("preApply", err);
  }
}
