import type { KubeClient } from "./clients.ts";
import type { ClusterWatch } from "./watch.ts";

/** One configured cluster as the daemon holds it: its client and its one shared watch. */
export interface KubeCluster {
  readonly name: string;
  readonly client: KubeClient;
  readonly watch: ClusterWatch;
}

/** A kind of object a server may own, as `apiVersion` + `kind`. */
export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

/** The built-in kinds mcks creates for a server, in the order they are deleted. */
export const SERVER_KINDS: readonly KindRef[] = [
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "ServiceAccount" },
];

/** Built-in kinds plus the caller's extra kinds (operator resources), without duplicates. */
export function serverKinds(extra: readonly KindRef[] = []): KindRef[] {
  const seen = new Set<string>();
  const out: KindRef[] = [];
  for (const k of [...extra, ...SERVER_KINDS]) {
    const id = `${k.apiVersion}/${k.kind}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(k);
    }
  }
  return out;
}
