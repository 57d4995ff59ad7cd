import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";

/** The server's own ServiceAccount, so operators can grant it rights (upstream's dask Role). */
export function serviceAccount(spawn: Spawn): KubeObject | undefined {
  // serviceAccountName runs the pod as an existing account instead.
  if (!spawn.ctx.spawn.serviceAccount || spawn.ctx.spawn.serviceAccountName !== undefined) return undefined;
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: spawn.ctx.key, namespace: spawn.ctx.namespace } };
}
