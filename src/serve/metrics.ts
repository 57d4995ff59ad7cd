/**
 * The daemon's Prometheus metrics (`mcks serve --metrics-listen HOST:PORT`), with prom-client.
 * Loaded only when that flag is given: without it the daemon has no registry and kube/ gets no
 * observer. Names follow Prometheus' conventions: `mcks_` prefix, base units (`_seconds`),
 * `_total` on counters, a timestamp rather than an age. The process and Node.js metrics keep
 * the standard unprefixed names of every client library (`process_*`, `nodejs_*`), so the
 * usual dashboards work.
 *
 * What is counted where: spawns in ServerManager.start (one observation per start it ran,
 * joined duplicates not counted twice), Kubernetes requests in kube/http.ts, watch restarts in
 * kube/informer.ts, RPC calls around every method (`instrument`). Gauges are read from the
 * daemon when scraped (`DaemonView`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { UserError } from "../errors.ts";
import type { KubeObserver } from "../kube/observer.ts";
import type { MethodHandler, MethodTable } from "../rpc/dispatch.ts";
import { ErrorCode, RpcError } from "../rpc/errors.ts";

/** How a start ended: ready, failed, or stopped by the hub before it was ready. */
export type SpawnOutcome = "success" | "failure" | "cancelled";

/** The server phases the daemon tracks (serve/registry.ts). */
export const SERVER_PHASES = ["starting", "running", "stopping"] as const;

/** What the gauges read from the daemon at each scrape. */
export interface DaemonView {
  servers(): Iterable<{ readonly cluster: string; readonly phase: string }>;
  /** Every configured cluster; `lastSeen` is an ISO time (kube.health()). */
  clusters(): Readonly<Record<string, { readonly reachable: boolean; readonly lastSeen?: string }>>;
}

export interface SpawnObservation {
  /** "" when the start failed before its cluster was known (an unknown profile). */
  readonly cluster: string;
  readonly profile: string;
  readonly outcome: SpawnOutcome;
  readonly seconds: number;
  /** For failures: spawn/launch.ts `startFailureReason`. */
  readonly reason?: string;
}

export interface Metrics {
  readonly registry: Registry;
  /** Handed to createKube: API requests and watch restarts. */
  readonly kube: KubeObserver;
  spawned(s: SpawnObservation): void;
  /** The same methods, each call timed by method and outcome. */
  instrument(methods: MethodTable): MethodTable;
}

/** Starts take seconds to minutes (an image pull); the last bucket is the longest startTimeout worth having. */
const SPAWN_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];
/** API requests: milliseconds on a near cluster, seconds on a slow or far one. */
const KUBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** RPC calls: polls answer from memory (sub-millisecond), starts and stops take minutes. */
const RPC_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600];

/** The label of an RPC call's outcome. */
function rpcOutcome(err: unknown): string {
  if (err instanceof RpcError) {
    if (err.code === ErrorCode.InvalidParams) return "invalid_params";
    return err.code === ErrorCode.Failed ? "failed" : "internal";
  }
  return err instanceof UserError ? "failed" : "internal";
}

export function createMetrics(view: DaemonView, version: string): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: "mcks_build_info",
    help: "Always 1; the version of mcks serving these metrics is its label.",
    labelNames: ["version"],
    registers,
  }).set({ version }, 1);

  const spawnDuration = new Histogram({
    name: "mcks_spawn_duration_seconds",
    help: "Time from server.start to the server being ready (success), failing (failure) or being stopped by the hub (cancelled).",
    labelNames: ["cluster", "profile", "outcome"],
    buckets: SPAWN_BUCKETS,
    registers,
  });
  const spawnFailures = new Counter({
    name: "mcks_spawn_failures_total",
    help: "Starts that failed, by cluster and reason (a Kubernetes reason such as ErrImagePull or Unschedulable, ClusterUnreachable, Timeout, BadRequest, Internal).",
    labelNames: ["cluster", "reason"],
    registers,
  });
  new Gauge({
    name: "mcks_servers",
    help: "Servers the daemon knows, by cluster and phase (starting, running, stopping).",
    labelNames: ["cluster", "phase"],
    registers,
    collect() {
      this.reset();
      for (const cluster of Object.keys(view.clusters())) for (const phase of SERVER_PHASES) this.set({ cluster, phase }, 0);
      for (const s of view.servers()) if (s.cluster) this.inc({ cluster: s.cluster, phase: s.phase });
    },
  });
  new Gauge({
    name: "mcks_cluster_reachable",
    help: "1 when the cluster's API server answers the daemon's watch and probe, 0 when not.",
    labelNames: ["cluster"],
    registers,
    collect() {
      for (const [cluster, h] of Object.entries(view.clusters())) this.set({ cluster }, h.reachable ? 1 : 0);
    },
  });
  new Gauge({
    name: "mcks_cluster_last_seen_timestamp_seconds",
    help: "When the cluster's API server last answered anything (Unix time); its age is time() minus this. Absent until it answered once.",
    labelNames: ["cluster"],
    registers,
    collect() {
      this.reset();
      for (const [cluster, h] of Object.entries(view.clusters())) {
        if (h.lastSeen) this.set({ cluster }, Date.parse(h.lastSeen) / 1000);
      }
    },
  });
  const watchRestarts = new Counter({
    name: "mcks_watch_restarts_total",
    help: "Times a cluster's shared watch was opened again: expired (the server ended it, normal every few minutes), error (retried after a back-off), gone (listed again: 410 Gone).",
    labelNames: ["cluster", "resource", "reason"],
    registers,
  });
  const kubeRequests = new Histogram({
    name: "mcks_kube_request_duration_seconds",
    help: "Kubernetes API requests by cluster, verb (the HTTP method; WATCH for watch streams, timed to their response headers) and code (HTTP status, <error> when no answer came).",
    labelNames: ["cluster", "verb", "code"],
    buckets: KUBE_BUCKETS,
    registers,
  });
  const rpcCalls = new Histogram({
    name: "mcks_rpc_request_duration_seconds",
    help: "Socket (JSON-RPC) calls by method and outcome (ok, failed: a reason for people, invalid_params, internal).",
    labelNames: ["method", "outcome"],
    buckets: RPC_BUCKETS,
    registers,
  });

  return {
    registry,
    kube: {
      request: (cluster, verb, code, seconds) => kubeRequests.observe({ cluster, verb, code }, seconds),
      watchRestart: (cluster, resource, reason) => watchRestarts.inc({ cluster, resource, reason }),
    },
    spawned(s) {
      spawnDuration.observe({ cluster: s.cluster, profile: s.profile, outcome: s.outcome }, s.seconds);
      if (s.outcome === "failure") spawnFailures.inc({ cluster: s.cluster, reason: s.reason ?? "Internal" });
    },
    instrument(methods) {
      const out = new Map<string, MethodHandler>();
      for (const [method, handler] of methods) {
        out.set(method, async (params, ctx) => {
          const end = rpcCalls.startTimer({ method });
          try {
            const result = await handler(params, ctx);
            end({ outcome: "ok" });
            return result;
          } catch (err) {
            end({ outcome: rpcOutcome(err) });
            throw err;
          }
        });
      }
      return out;
    },
  };
}
