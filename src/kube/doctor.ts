/**
 * `mcks doctor`: for each cluster, can we reach it, who are we, and may we do what starting
 * servers needs (SelfSubjectAccessReview per resource and verb, in the cluster's namespace)? And does
 * its ingressPublicUrl answer from here (doctor-ingress.ts)? What "needs" means is the caller's:
 * the config's least RBAC (rbac/uses.ts).
 */
import { createClients, type ClientOptions, type ClusterTarget, type KubeClient } from "./clients.ts";
import { checkIngress, type IngressReport } from "./doctor-ingress.ts";

/** One permission to ask about. */
export interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  /** False for cluster-scoped resources (asked without a namespace). */
  readonly namespaced: boolean;
}

export interface DoctorTarget extends ClusterTarget {
  /** The fixed namespace, or undefined for a per-user template (checked cluster-wide). */
  readonly namespace: string | undefined;
  readonly permissions: readonly Permission[];
  /** Checked to answer from this machine when given. */
  readonly ingressPublicUrl?: string;
}

export interface ClusterReport {
  readonly cluster: string;
  readonly context: string;
  readonly server: string;
  readonly version?: string;
  /** Set when the cluster could not be asked at all. */
  readonly error?: string;
  /** The permissions that are denied. */
  readonly denied: readonly Permission[];
  readonly checked: number;
  readonly ingress?: IngressReport;
}

interface AccessReview {
  status?: { allowed?: boolean; reason?: string };
}

async function allowed(client: KubeClient, namespace: string | undefined, group: string, resource: string, verb: string): Promise<boolean> {
  const review = await client.http.json<AccessReview>({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { group, resource, verb, ...(namespace ? { namespace } : {}) } },
    },
  });
  return review.status?.allowed === true;
}

async function checkCluster(client: KubeClient, target: DoctorTarget): Promise<ClusterReport> {
  const base = { cluster: target.name, context: client.context, server: client.server };
  let version: string;
  try {
    version = (await client.http.json<{ gitVersion?: string }>({ method: "GET", path: "/version", timeoutMs: 10_000 })).gitVersion ?? "?";
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message : String(err), denied: [], checked: 0 };
  }
  const checks = target.permissions;
  const results = await Promise.all(
    checks.map(async (c) => ((await allowed(client, c.namespaced ? target.namespace : undefined, c.group, c.resource, c.verb)) ? undefined : c)),
  );
  return { ...base, version, denied: results.filter((r): r is Permission => r !== undefined), checked: checks.length };
}

export async function doctor(targets: readonly DoctorTarget[], options: ClientOptions = {}): Promise<ClusterReport[]> {
  const clients = createClients(targets, options);
  try {
    return await Promise.all(
      targets.map(async (t) => {
        const client = clients.get(t.name);
        const [report, ingress] = await Promise.all([clusterReport(client, t), t.ingressPublicUrl ? checkIngress(t.ingressPublicUrl) : undefined]);
        return ingress ? { ...report, ingress } : report;
      }),
    );
  } finally {
    for (const c of clients.values()) c.http.close();
  }
}

async function clusterReport(client: KubeClient | undefined, t: DoctorTarget): Promise<ClusterReport> {
  if (!client) return { cluster: t.name, context: t.context, server: "?", error: "no client", denied: [], checked: 0 };
  return checkCluster(client, t).catch((err: unknown) => ({
    cluster: t.name, context: t.context, server: client.server,
    error: err instanceof Error ? err.message : String(err), denied: [], checked: 0,
  }));
}
