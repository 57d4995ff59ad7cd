import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";
import type { EnvPlan } from "./env.ts";
import { cpuQuantity, memoryQuantity } from "./quantities.ts";
import { HOME_VOLUME, homeClaimName } from "./storage.ts";

export const CONTAINER_NAME = "notebook";
export const PORT_NAME = "notebook-port";
/** KubeSpawner's pod label; keeping it lets operators port their KubeSpawner patches. */
export const COMPONENT_LABEL = { component: "singleuser-server" } as const;

type Obj = Record<string, unknown>;

/** Only the entries that are set: the Pod omits empty fields, as the API server's defaults apply. */
function nonEmpty(o: Obj): Obj | undefined {
  return Object.keys(o).length > 0 ? o : undefined;
}

function resources(spawn: Spawn): Obj | undefined {
  const s = spawn.ctx.spawn;
  const limits: Obj = {};
  const requests: Obj = {};
  if (s.cpuLimit) limits.cpu = cpuQuantity(s.cpuLimit);
  if (s.memLimit) limits.memory = memoryQuantity(s.memLimit);
  if (s.cpuGuarantee) requests.cpu = cpuQuantity(s.cpuGuarantee);
  if (s.memGuarantee) requests.memory = memoryQuantity(s.memGuarantee);
  // As KubeSpawner: the extra resources go on top, and win over cpu/memory if they name them.
  for (const [k, v] of Object.entries(s.extraResourceLimits)) limits[k] = String(v);
  for (const [k, v] of Object.entries(s.extraResourceGuarantees)) requests[k] = String(v);
  return nonEmpty({ ...(nonEmpty(limits) ? { limits } : {}), ...(nonEmpty(requests) ? { requests } : {}) });
}

/** KubeSpawner's table: uid/gid/allowPrivilegeEscalation on the container, fsGid/supplementalGids on the pod; the explicit contexts win. */
function containerSecurityContext(spawn: Spawn): Obj | undefined {
  const s = spawn.ctx.spawn;
  const csc: Obj = {};
  if (s.uid !== undefined) csc.runAsUser = s.uid;
  if (s.gid !== undefined) csc.runAsGroup = s.gid;
  if (s.allowPrivilegeEscalation !== undefined) csc.allowPrivilegeEscalation = s.allowPrivilegeEscalation;
  return nonEmpty({ ...csc, ...s.containerSecurityContext });
}

function podSecurityContext(spawn: Spawn): Obj | undefined {
  const s = spawn.ctx.spawn;
  const psc: Obj = {};
  if (s.fsGid !== undefined) psc.fsGroup = s.fsGid;
  if (s.supplementalGids.length > 0) psc.supplementalGroups = [...s.supplementalGids];
  return nonEmpty({ ...psc, ...s.podSecurityContext });
}

function affinity(spawn: Spawn): Obj | undefined {
  const a = spawn.ctx.spawn.affinity;
  const term = (required: readonly unknown[], preferred: readonly unknown[], requiredAs: (r: unknown[]) => unknown): Obj | undefined =>
    nonEmpty({
      ...(preferred.length ? { preferredDuringSchedulingIgnoredDuringExecution: [...preferred] } : {}),
      ...(required.length ? { requiredDuringSchedulingIgnoredDuringExecution: requiredAs([...required]) } : {}),
    });
  const nodeAffinity = term(a.nodeAffinityRequired, a.nodeAffinityPreferred, (r) => ({ nodeSelectorTerms: r }));
  const podAffinity = term(a.podAffinityRequired, a.podAffinityPreferred, (r) => r);
  const podAntiAffinity = term(a.podAntiAffinityRequired, a.podAntiAffinityPreferred, (r) => r);
  return nonEmpty({ ...(nodeAffinity ? { nodeAffinity } : {}), ...(podAffinity ? { podAffinity } : {}), ...(podAntiAffinity ? { podAntiAffinity } : {}) });
}

/** Which ServiceAccount the pod runs as, and whether its token is mounted (KubeSpawner's rule, plus mcks's own account). */
function account(spawn: Spawn): Obj {
  const s = spawn.ctx.spawn;
  if (s.serviceAccountName !== undefined) {
    return { serviceAccountName: s.serviceAccountName, ...(s.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: s.automountServiceAccountToken } : {}) };
  }
  // Without an account of its own the pod would get the namespace default's token: not unless asked.
  if (!s.serviceAccount) return { automountServiceAccountToken: s.automountServiceAccountToken ?? false };
  return { serviceAccountName: spawn.ctx.key, automountServiceAccountToken: s.automountServiceAccountToken ?? true };
}

function copies(list: readonly unknown[]): unknown[] {
  return list.map((x) => structuredClone(x));
}

/**
 * The notebook server's Pod, from the settings as KubeSpawner's make_pod builds it.
 * restartPolicy OnFailure, as KubeSpawner: a server that exits cleanly (the user pressed
 * "Shut Down", or it culled itself) stays stopped so the hub's poll sees it stopped, while a
 * crash is restarted in place. extraContainerConfig / extraPodConfig are set last and replace
 * whole fields, as KubeSpawner sets them.
 */
export function pod(spawn: Spawn, env: EnvPlan): KubeObject {
  const { ctx } = spawn;
  const s = ctx.spawn;
  const args = s.args ?? (spawn.hubCommand.length > 0 ? spawn.hubCommand : undefined);
  const container: Obj = { name: CONTAINER_NAME, image: s.image };
  if (s.imagePullPolicy) container.imagePullPolicy = s.imagePullPolicy;
  if (s.cmd) container.command = [...s.cmd];
  if (args) container.args = [...args];
  if (s.workingDir !== undefined) container.workingDir = s.workingDir;
  container.ports = [{ name: PORT_NAME, containerPort: s.port }];
  container.env = env.vars;
  const res = resources(spawn);
  if (res) container.resources = res;
  if (Object.keys(s.lifecycleHooks).length > 0) container.lifecycle = structuredClone(s.lifecycleHooks);
  const mounts = copies(s.volumeMounts);
  const volumes = copies(s.volumes);
  if (s.storage) {
    mounts.push({ name: HOME_VOLUME, mountPath: s.storage.mountPath });
    volumes.push({ name: HOME_VOLUME, persistentVolumeClaim: { claimName: homeClaimName(ctx.key) } });
  }
  if (mounts.length > 0) container.volumeMounts = mounts;
  const csc = containerSecurityContext(spawn);
  if (csc) container.securityContext = csc;
  Object.assign(container, structuredClone(s.extraContainerConfig));

  const podSpec: Obj = { restartPolicy: "OnFailure", ...account(spawn) };
  if (s.imagePullSecrets.length > 0) podSpec.imagePullSecrets = s.imagePullSecrets.map((p) => ({ name: p.name }));
  if (Object.keys(s.nodeSelector).length > 0) podSpec.nodeSelector = { ...s.nodeSelector };
  const psc = podSecurityContext(spawn);
  if (psc) podSpec.securityContext = psc;
  if (s.initContainers.length > 0) podSpec.initContainers = copies(s.initContainers);
  podSpec.containers = [container, ...copies(s.extraContainers)];
  if (volumes.length > 0) podSpec.volumes = volumes;
  if (s.tolerations.length > 0) podSpec.tolerations = copies(s.tolerations);
  const aff = affinity(spawn);
  if (aff) podSpec.affinity = aff;
  if (s.priorityClassName !== undefined) podSpec.priorityClassName = s.priorityClassName;
  if (s.schedulerName !== undefined) podSpec.schedulerName = s.schedulerName;
  Object.assign(podSpec, structuredClone(s.extraPodConfig));

  const metadata: KubeObject["metadata"] = { name: ctx.key, namespace: ctx.namespace, labels: { ...s.extraLabels, ...COMPONENT_LABEL } };
  if (Object.keys(s.extraAnnotations).length > 0) metadata.annotations = { ...s.extraAnnotations };
  return { apiVersion: "v1", kind: "Pod", metadata, spec: podSpec };
}
