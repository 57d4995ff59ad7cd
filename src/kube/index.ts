/**
 * `kube/`: everything that talks to clusters. Load it lazily —
 *   const kube = await import("../kube/index.ts");
 * — so that commands that need no cluster (dry-run, validate) never load
 * @kubernetes/client-node (~185 ms). Types may be imported statically with `import type`.
 */
import { UserError } from "../errors.ts";
import type { ClusterStatus } from "../rpc/protocol.ts";
import { createClients, type ClusterTarget } from "./clients.ts";
import type { KubeCluster } from "./cluster.ts";
import type { CredentialsOverride } from "./credentials.ts";
import type { KubeObserver } from "./observer.ts";
import { ClusterWatch } from "./watch.ts";

export interface KubeClusterConfig extends ClusterTarget {
  /** Fixed namespace or a template (`jhub-{{username}}`); a fixed one narrows the watch. */
  readonly namespace?: string;
}

export interface KubeOptions {
  /** The configured clusters (ResolvedConfig's `clusters.values()` fit). */
  readonly clusters: Iterable<KubeClusterConfig>;
  /** The plugins' `auth` hooks composed into one (first non-null answer wins). */
  readonly credentialsOverride?: CredentialsOverride;
  readonly env?: NodeJS.ProcessEnv;
  /** Reachability check interval per cluster. Default 10 s. */
  readonly probeIntervalMs?: number;
  /** Which hub's objects this daemon manages (config `hubId`). */
  readonly hubId?: string;
  /** Accept `http://` API servers (`mcks serve --allow-insecure-http`). */
  readonly allowInsecureHttp?: boolean;
  /** Where warnings about insecure clusters go. */
  readonly warn?: (message: string) => void;
  /** Told of every API request and watch restart (the daemon's metrics). */
  readonly observer?: KubeObserver;
}

export type { ClusterStatus };

export interface Kube {
  /** The cluster by its config.ts name; UserError listing the known ones otherwise. */
  cluster(name: string): KubeCluster;
  clusters(): KubeCluster[];
  /** For the `health` RPC method and the poll grace period. */
  health(): Record<string, ClusterStatus>;
  /** Stop every watch and close connection pools. */
  close(): Promise<void>;
}

/** A namespace template cannot narrow the watch: watch all namespaces then. */
function watchNamespace(namespace: string | undefined): string | undefined {
  if (namespace === undefined) return "default";
  return namespace.includes("{{") ? undefined : namespace;
}

/**
 * Make a client and start ONE shared watch per cluster. Bad kubeconfig/context is a
 * UserError here; an unreachable cluster is not (see `health()`).
 */
export async function createKube(options: KubeOptions): Promise<Kube> {
  const configs = [...options.clusters];
  const clients = createClients(configs, {
    credentialsOverride: options.credentialsOverride,
    env: options.env,
    allowInsecureHttp: options.allowInsecureHttp,
    warn: options.warn,
    observer: options.observer,
  });
  const clusters = new Map<string, KubeCluster>();
  for (const cfg of configs) {
    const client = clients.get(cfg.name);
    if (!client) continue;
    const watch = new ClusterWatch(client, { namespace: watchNamespace(cfg.namespace), probeIntervalMs: options.probeIntervalMs, hubId: options.hubId, observer: options.observer });
    watch.start();
    clusters.set(cfg.name, { name: cfg.name, client, watch });
  }
  return {
    cluster(name) {
      const c = clusters.get(name);
      if (!c) throw new UserError(`unknown cluster "${name}"; configured clusters: ${[...clusters.keys()].join(", ") || "(none)"}`);
      return c;
    },
    clusters: () => [...clusters.values()],
    health() {
      const out: Record<string, ClusterStatus> = {};
      for (const [name, c] of clusters) {
        const s = c.watch.connection();
        const seen = c.client.http.lastAnswerAt;
        const version = c.watch.serverVersion;
        out[name] = {
          reachable: s.reachable,
          ...(s.lastError ? { error: s.lastError } : {}),
          ...(s.reason ? { reason: s.reason } : {}),
          since: s.since.toISOString(),
          ...(seen > 0 ? { lastSeen: new Date(seen).toISOString() } : {}),
          ...(version ? { version } : {}),
        };
      }
      return out;
    },
    async close() {
      await Promise.all([...clusters.values()].map((c) => c.watch.stop()));
      for (const c of clusters.values()) c.client.http.close();
    },
  };
}

export { applyObjects, applyOrder, ApplyError, type AppliedObject, type ApplyOptions } from "./apply.ts";
export { deleteServerObjects, stopServer, type DeleteOptions, type DeletedObject, type StopFacts, type StopTarget } from "./delete.ts";
export { recoverState, cleanupIncomplete, type ManagedServer, type RecoveredState, type RecoverOptions } from "./startup.ts";
export type { KubeCluster } from "./cluster.ts";
export { ClusterWatch, NOT_CONNECTED_YET, type ConnectionState, type WaitReadyOptions } from "./watch.ts";
export type { KubeObserver, WatchRestartReason } from "./observer.ts";
export type { ServerStatus, ServerPhase } from "./pod-status.ts";
export { KubeApiError, ClusterUnreachableError, ServerFailedError, namespaceLimitOf } from "./errors.ts";
export type { CredentialsOverride } from "./credentials.ts";
export type { KubeClient, ClusterTarget } from "./clients.ts";
