import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";
import type { EnvPlan } from "./env.ts";

/**
 * The hub's credentials for this server (JUPYTERHUB_API_TOKEN…). The Pod references them by
 * secretKeyRef, so the token never appears in the Pod spec (which many more people may read).
 * Made even when empty, so every server has the same set of objects.
 */
export function secret(spawn: Spawn, env: EnvPlan): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: spawn.ctx.key, namespace: spawn.ctx.namespace },
    type: "Opaque",
    stringData: env.secret,
  };
}
