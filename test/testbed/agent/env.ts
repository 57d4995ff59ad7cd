/**
 * A container's environment as the kubelet would build it: envFrom first, then env in order,
 * `$(VAR)` references expanded, valueFrom resolved by reading Secrets/ConfigMaps/the pod itself.
 * A missing non-optional reference is the kubelet's CreateContainerConfigError.
 */
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { Kube } from "./kube.ts";
import { statusOf } from "./kube.ts";

export class ContainerConfigError extends Error {}

type Lookup = (kind: "secret" | "configmap", name: string) => Promise<Record<string, string> | undefined>;

/** Reads each Secret/ConfigMap once per container start; returns undefined when it does not exist. */
export function apiLookup(kube: Kube, namespace: string): Lookup {
  const cache = new Map<string, Promise<Record<string, string> | undefined>>();
  return (kind, name) => {
    const key = `${kind}/${name}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = kube.limiter
        .run(async () => {
          if (kind === "secret") {
            const s = await kube.core.readNamespacedSecret({ name, namespace });
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
            for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
            return out;
          }
          const cm = await kube.core.readNamespacedConfigMap({ name, namespace });
          return { ...(cm.data ?? {}) };
        })
        .catch((err: unknown) => {
          if (statusOf(err) === 404) return undefined;
          throw err;
        });
      cache.set(key, hit);
    }
    return hit;
  };
}

function expand(value: string, env: ReadonlyMap<string, string>): string {
  // Kubernetes' rule: $(VAR) expands when VAR is defined earlier, $$ escapes, unknown stays literal.
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) =>
    m === "$$" ? "$" : (env.get(name!) ?? m),
  );
}

function fieldValue(pod: V1Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.podIP":
    case "status.podIPs":
      return pod.status?.podIP ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return pod.status?.hostIP ?? "";
    default:
      return "";
  }
}

export async function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  lookup: Lookup,
  extra: { podIp: string; hostIp: string },
): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  const podView: V1Pod = { ...pod, status: { ...pod.status, podIP: extra.podIp, hostIP: extra.hostIp } };
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref?.name) continue;
    const kind = from.secretRef ? "secret" : "configmap";
    const data = await lookup(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind === "secret" ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env.set(`${from.prefix ?? ""}${k}`, v);
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env.set(e.name, expand(e.value ?? "", env));
      continue;
    }
    const v = e.valueFrom;
    const ref = v.secretKeyRef ?? v.configMapKeyRef;
    if (ref) {
      const kind = v.secretKeyRef ? "secret" : "configmap";
      const data = await lookup(kind, ref.name ?? "");
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          data ? `couldn't find key ${ref.key} in ${kind === "secret" ? "Secret" : "ConfigMap"} ${pod.metadata?.namespace}/${ref.name}` : `${kind} "${ref.name}" not found`,
        );
      }
      env.set(e.name, value);
    } else if (v.fieldRef) {
      env.set(e.name, fieldValue(podView, v.fieldRef.fieldPath));
    } else if (v.resourceFieldRef) {
      env.set(e.name, "0");
    }
  }
  return env;
}
