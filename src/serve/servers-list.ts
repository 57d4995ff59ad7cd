/**
 * `servers.list` (what `mcks status` prints): every server the daemon's registry holds, filled
 * in from the cluster's shared watch (node, names, what the Pod says now), and per cluster its
 * health and counts. No API call: everything comes from memory.
 */
import type { Kube, ServerStatus } from "../kube/index.ts";
import type { ClusterSummary, ServerSummary, ServersListResult } from "../rpc/protocol.ts";

/** What the registry knows of a server (serve/registry.ts ServerRecord fits). */
export interface KnownServer {
  readonly key: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly profile: string;
  readonly phase: ServerSummary["phase"];
  /** The hub's names, when this daemon started it. */
  readonly user?: string;
  readonly server?: string;
  /** When its start began (ms), when this daemon started it. */
  readonly since?: number;
  /** The last progress message of its start. */
  readonly message?: string;
}

function messageOf(s: KnownServer, pod: ServerStatus | undefined): string {
  if (s.phase === "stopping") return "stopping";
  if (s.phase === "starting") return s.message ?? "starting";
  if (!pod) return "its Pod is gone";
  if (pod.failure) return `${pod.failure.reason}: ${pod.failure.message}`;
  if (!pod.ready) return pod.progress.message;
  return s.message ?? "running";
}

export function serversList(known: Iterable<KnownServer>, kube: Kube): ServersListResult {
  const health = kube.health();
  const counts = new Map<string, { running: number; pending: number }>(Object.keys(health).map((c) => [c, { running: 0, pending: 0 }]));
  const servers: ServerSummary[] = [];
  for (const s of known) {
    const watch = s.cluster && health[s.cluster] ? kube.cluster(s.cluster).watch : undefined;
    const pod = s.namespace ? watch?.get(s.key, s.namespace) : undefined;
    const count = counts.get(s.cluster);
    if (count) count[s.phase === "running" ? "running" : "pending"] += 1;
    const since = s.since !== undefined ? new Date(s.since).toISOString() : pod?.createdAt;
    servers.push({
      user: s.user ?? pod?.user ?? "",
      server: s.server ?? pod?.server ?? "",
      key: s.key,
      profile: s.profile,
      cluster: s.cluster,
      namespace: s.namespace || pod?.namespace || "",
      phase: s.phase,
      ...(pod?.nodeName ? { node: pod.nodeName } : {}),
      ...(since ? { since } : {}),
      message: messageOf(s, pod),
    });
  }
  servers.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.user.localeCompare(b.user) || a.server.localeCompare(b.server) || a.key.localeCompare(b.key));
  const clusters: Record<string, ClusterSummary> = {};
  for (const [name, h] of Object.entries(health)) {
    const { reason: _forUsers, ...rest } = h;
    clusters[name] = { ...rest, ...(counts.get(name) ?? { running: 0, pending: 0 }) };
  }
  return { servers, clusters };
}
