/**
 * Shared by the kube-*.test.ts files: a server's objects shaped like the render stage's
 * (labels per docs/architecture.md, a lifetime:user home PVC, a per-server Role/RoleBinding), and a
 * `createKube` on the bed's contexts. Not a test file itself.
 */
import { randomBytes } from "node:crypto";
import type { KubeObject } from "../../src/objects/types.ts";
import type { Kube } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import type { Bed } from "../testbed/bed.ts";

export function uniqueKey(tag: string): string {
  return `jupyter-${tag}-${randomBytes(3).toString("hex")}`;
}

export function labelsFor(key: string): Record<string, string> {
  return {
    "app.kubernetes.io/managed-by": "multicluster-kubespawner",
    "hub.jupyter.org/username": key.replace(/^jupyter-/, ""),
    "hub.jupyter.org/servername": "",
    "mcks.hub.jupyter.org/key": key,
  };
}

/** The objects of one server; `image` picks the agent's behaviour (fail-pull, crashloop…). */
/**
 * The kinds serverObjects makes besides the ones stop always looks for (objects/kinds.ts
 * SERVER_KINDS): a config's resources would make the daemon look for them (spawn/kinds.ts).
 */
export const FIXTURE_KINDS = [
  { apiVersion: "v1", kind: "PersistentVolumeClaim" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
] as const;

export function serverObjects(key: string, opts: { image?: string; namespace?: string; rbac?: boolean; nodeSelector?: Record<string, string> } = {}): KubeObject[] {
  const namespace = opts.namespace ?? "default";
  const labels = labelsFor(key);
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace, labels: { ...labels, ...extra } });
  const prefix = `/user/${key.replace(/^jupyter-/, "")}/`;
  const objects: KubeObject[] = [
    // Deliberately out of order: apply must sort them.
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: meta(key),
      spec: {
        rules: [{ http: { paths: [{ path: prefix, pathType: "Prefix", backend: { service: { name: key, port: { number: 8888 } } } }] } }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta(key),
      spec: {
        serviceAccountName: key,
        ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
        containers: [
          {
            name: "notebook",
            image: opts.image ?? "testbed/singleuser:latest",
            ports: [{ containerPort: 8888 }],
            env: [
              { name: "JUPYTERHUB_SERVICE_PREFIX", value: prefix },
              { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: key, key: "token" } } },
            ],
            volumeMounts: [{ name: "home", mountPath: "/home/jovyan" }],
          },
        ],
        volumes: [{ name: "home", persistentVolumeClaim: { claimName: `${key}-home` } }],
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: meta(key), spec: { selector: { "mcks.hub.jupyter.org/key": key }, ports: [{ port: 8888, targetPort: 8888 }] } },
    { apiVersion: "v1", kind: "Secret", metadata: meta(key), stringData: { token: "not-a-real-token" } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(key) },
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: meta(`${key}-home`, { "mcks.hub.jupyter.org/lifetime": "user" }),
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
  ];
  if (opts.rbac) {
    objects.push(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(`${key}-dask`),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${key}-dask` },
        subjects: [{ kind: "ServiceAccount", name: key, namespace }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(`${key}-dask`),
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
      },
    );
  }
  return objects;
}

export async function bedKube(bed: Bed, clusters: { name: string; context: string }[]): Promise<Kube> {
  const { createKube } = await import("../../src/kube/index.ts");
  // No reachability probe: request counts then show only what the code under test sends.
  return createKube({
    clusters: clusters.map((c) => ({ ...c, namespace: "default" })),
    env: { KUBECONFIG: bed.kubeconfig },
    probeIntervalMs: 0,
  });
}

/** `kubectl get` as the bed's admin: names of objects with this key, as `kind/name`. */
export function objectsOnCluster(bed: Bed, context: string, key: string): string[] {
  const r = kubectl(bed.kubeconfig, context, [
    "get",
    "pods,services,secrets,serviceaccounts,configmaps,persistentvolumeclaims,ingresses,roles,rolebindings",
    "-n",
    "default",
    "-l",
    `mcks.hub.jupyter.org/key=${key}`,
    "-o",
    "name",
  ]);
  if (r.status !== 0) throw new Error(`kubectl get failed: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean).sort();
}

/** Waits for a condition, bounded: the garbage collector removes dependents a moment after their owner. */
export async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
