import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";
import type { EnvPlan } from "./env.ts";
import { cpuQuantity, memoryQuantity } from "./quantities.ts";

export const CONTAINER_NAME = "notebook";
export const PORT_NAME = "notebook-port";
/** KubeSpawner's pod label; keeping it lets operators port their KubeSpawner patches. */
export const COMPONENT_LABEL = { component: "singleuser-server" } as const;

function resources(spawn: Spawn): Record<string, Record<string, string>> | undefined {
  const s = spawn.ctx.spawn;
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (s.cpuLimit) limits.cpu = cpuQuantity(s.cpuLimit);
  if (s.memLimit) limits.memory = memoryQuantity(s.memLimit);
  if (s.cpuGuarantee) requests.cpu = cpuQuantity(s.cpuGuarantee);
  if (s.memGuarantee) requests.memory = memoryQuantity(s.memGuarantee);
  const out: Record<string, Record<string, string>> = {};
  if (Object.keys(limits).length > 0) out.limits = limits;
  if (Object.keys(requests).length > 0) out.requests = requests;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The notebook server's Pod. restartPolicy OnFailure, as KubeSpawner: a server that exits
 * cleanly (the user pressed "Shut Down", or it culled itself) stays stopped so the hub's
 * poll sees it stopped, while a crash is restarted in place. No securityContext is imposed:
 * clusters differ, operators add theirs with a patch.
 */
export function pod(spawn: Spawn, env: EnvPlan): KubeObject {
  const { ctx } = spawn;
  const s = ctx.spawn;
  const container: Record<string, unknown> = { name: CONTAINER_NAME, image: s.image };
  if (s.imagePullPolicy) container.imagePullPolicy = s.imagePullPolicy;
  if (s.cmd) container.command = [...s.cmd];
  if (s.args) container.args = [...s.args];
  container.ports = [{ name: PORT_NAME, containerPort: s.port }];
  container.env = env.vars;
  const res = resources(spawn);
  if (res) container.resources = res;

  const podSpec: Record<string, unknown> = { restartPolicy: "OnFailure" };
  if (s.serviceAccount) podSpec.serviceAccountName = ctx.key;
  // Without its own ServiceAccount the pod would get the namespace default's token: don't.
  podSpec.automountServiceAccountToken = s.serviceAccount;
  podSpec.containers = [container];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: ctx.key, namespace: ctx.namespace, labels: { ...COMPONENT_LABEL } },
    spec: podSpec,
  };
}
