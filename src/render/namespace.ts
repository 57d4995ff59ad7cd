import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";

/** The (per-user) namespace, only when the cluster asks mcks to create it. */
export function namespace(spawn: Spawn): KubeObject | undefined {
  if (!spawn.cluster.createNamespace) return undefined;
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: spawn.ctx.namespace } };
}
