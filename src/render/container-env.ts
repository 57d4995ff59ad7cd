/**
 * The environment JupyterHub's spawners derive from the container, computed from the notebook
 * container as it is after the patches (a patch that changes `resources` or `image` changes
 * these too): MEM_LIMIT / MEM_GUARANTEE (bytes), CPU_LIMIT / CPU_GUARANTEE (cores), and
 * KubeSpawner's JUPYTER_IMAGE / JUPYTER_IMAGE_SPEC (dask-gateway and Pangeo images read them).
 * A variable the container already has (the operator's `environment`, or a patch) is kept.
 */
import type { Spawn } from "../profile/resolve-spawn.ts";
import type { ObjectSet } from "../objects/object-set.ts";
import type { KubeObject } from "../objects/types.ts";
import { isObj } from "../objects/plain-data.ts";
import { parseQuantity } from "../config/kube-quantity.ts";
import { CONTAINER_NAME } from "./pod.ts";
import { cpuEnv, memoryEnv } from "./quantities.ts";

/** The names this step owns; render leaves them out of the hub's variables. */
export const CONTAINER_ENV_NAMES = ["JUPYTER_IMAGE", "JUPYTER_IMAGE_SPEC", "MEM_LIMIT", "MEM_GUARANTEE", "CPU_LIMIT", "CPU_GUARANTEE"] as const;

type Obj = Record<string, unknown>;

function fromResources(container: Obj): Array<[string, string]> {
  const res = isObj(container.resources) ? container.resources : {};
  const limits = isObj(res.limits) ? res.limits : {};
  const requests = isObj(res.requests) ? res.requests : {};
  const out: Array<[string, string]> = [];
  const add = (name: string, value: unknown, format: (n: number) => string, round: (n: number) => number) => {
    const n = parseQuantity(value);
    // JupyterHub sets them only when the value is truthy.
    if (n !== undefined && n > 0) out.push([name, format(round(n))]);
  };
  // Kubernetes rounds memory up to whole bytes and CPU up to millicores.
  add("MEM_LIMIT", limits.memory, memoryEnv, Math.ceil);
  add("MEM_GUARANTEE", requests.memory, memoryEnv, Math.ceil);
  add("CPU_LIMIT", limits.cpu, cpuEnv, (c) => Math.ceil(c * 1000) / 1000);
  add("CPU_GUARANTEE", requests.cpu, cpuEnv, (c) => Math.ceil(c * 1000) / 1000);
  return out;
}

/**
 * Adds the derived variables to the server's Pod. In place: the Pod is the render stage's own
 * object (patches return copies), and this finishes rendering it, so it adds no origin.
 */
export function addContainerEnv(objects: ObjectSet, spawn: Spawn): void {
  const pod: KubeObject | undefined = objects.find("Pod", spawn.ctx.key);
  const spec = pod && isObj(pod.spec) ? pod.spec : undefined;
  const containers = spec && Array.isArray(spec.containers) ? spec.containers : [];
  const container = containers.find((c): c is Obj => isObj(c) && c.name === CONTAINER_NAME);
  if (!container) return;
  const env: unknown[] = Array.isArray(container.env) ? container.env : [];
  const present = new Set(env.map((e) => (isObj(e) ? e.name : undefined)));
  const derived: Array<[string, string]> = [];
  if (typeof container.image === "string") derived.push(["JUPYTER_IMAGE", container.image], ["JUPYTER_IMAGE_SPEC", container.image]);
  derived.push(...fromResources(container));
  const added = derived.filter(([name]) => !present.has(name)).map(([name, value]) => ({ name, value }));
  if (added.length > 0) container.env = [...env, ...added];
}
