import type { ResolvedConfig } from "../config/resolve.ts";
import type { HubUser } from "../config/types.ts";
import { UserError } from "../errors.ts";
import { cleanupIncomplete, deleteServerObjects, recoverState } from "../kube/index.ts";
import type { Kube, KubeCluster } from "../kube/index.ts";
import { uniqueKinds, type KindRef } from "../objects/kinds.ts";
import { spawnKey, type SpawnRequest } from "../profile/resolve-spawn.ts";
import type { ProgressEvent, ServerState, ServersListResult, StartResult } from "../rpc/protocol.ts";
import { operatorKinds } from "../spawn/kinds.ts";
import { launchServer, startFailureMessage, startFailureReason, type StartTrace } from "../spawn/launch.ts";
import type { ServeLog } from "./log.ts";
import type { SpawnObservation } from "./metrics.ts";
import { Registry, serverRecord, type ServerRecord } from "./registry.ts";
import { serversList, type KnownServer } from "./servers-list.ts";

export interface ServerRef {
  readonly user: HubUser;
  readonly server: string;
  readonly state: ServerState | null;
}

/**
 * Starts, polls and stops servers; the RPC handlers are thin wrappers around this.
 * All state is in memory and can be rebuilt from the clusters (`recover`), because every
 * object carries the contract labels (docs/architecture.md "Labels"): a daemon restart loses
 * nothing.
 */
export class ServerManager {
  #config: ResolvedConfig;
  readonly #kube: Kube;
  readonly #log: ServeLog;
  readonly #registry = new Registry();
  #extraKinds: KindRef[];
  /** Since when this daemon runs: the poll grace period of a cluster never seen counts from here. */
  readonly #startedAt = Date.now();
  /** Told how each start it ran ended (the metrics). */
  readonly #onSpawned: (s: SpawnObservation) => void;

  constructor(config: ResolvedConfig, kube: Kube, log: ServeLog, onSpawned: (s: SpawnObservation) => void = () => {}) {
    this.#config = config;
    this.#kube = kube;
    this.#log = log;
    this.#onSpawned = onSpawned;
    this.#extraKinds = operatorKinds(config);
  }

  get registry(): Registry {
    return this.#registry;
  }

  get config(): ResolvedConfig {
    return this.#config;
  }

  /** Every server in the registry; a start under way where it has got to (its trace). */
  known(): KnownServer[] {
    return this.#registry.values().map((r) => ({
      key: r.key,
      cluster: r.cluster || r.trace?.cluster || "",
      namespace: r.namespace || r.trace?.namespace || "",
      profile: r.profile || r.trace?.profile || "",
      phase: r.phase,
      ...(r.user === undefined ? {} : { user: r.user, server: r.server ?? "" }),
      ...(r.since === undefined ? {} : { since: r.since }),
      ...(r.message === undefined ? {} : { message: r.message }),
    }));
  }

  /** `servers.list`: what `mcks status` prints. */
  list(): ServersListResult {
    return serversList(this.known(), this.#kube);
  }

  /**
   * A reloaded config applies to starts from now on; running servers keep what they were
   * started with. Clusters cannot change without a restart (each has its watch), so the
   * caller checks that first (see `sameClusters`).
   */
  setConfig(config: ResolvedConfig): void {
    this.#config = config;
    // Kinds only accumulate: servers started under the old config may still have them.
    this.#extraKinds = uniqueKinds(this.#extraKinds, operatorKinds(config));
  }

  /**
   * Rebuild the registry from the clusters: servers whose Pod carries the started marker are
   * running; objects of starts that never completed (a crash mid-start) are deleted.
   */
  async recover(): Promise<{ running: number; cleaned: number; unreachable: string[] }> {
    const clusters = this.#kube.clusters();
    const state = await recoverState(clusters, {
      extraKinds: this.#extraKinds,
      inFlight: (cluster, key) => this.#registry.has(cluster, key),
    });
    let running = 0;
    for (const s of state.servers) {
      if (!s.started || !s.pod || this.#registry.get(s.key)) continue;
      const cluster = this.#config.clusters.get(s.cluster);
      if (!cluster) continue;
      this.#registry.set(serverRecord(s.key, "running", { cluster: s.cluster, namespace: s.namespace, extraKinds: this.#extraKinds }));
      running += 1;
    }
    // An incomplete start younger than the start timeout may still be under way in another
    // daemon (a rolling restart, a second hub process): it is only removed if it is still
    // incomplete once it has had its full start timeout.
    const limit = this.#config.startTimeout * 1000;
    const now = Date.now();
    const stale = state.incomplete.filter((s) => now - s.createdAt >= limit);
    const deleted = await cleanupIncomplete(clusters, { ...state, incomplete: stale }, { extraKinds: this.#extraKinds });
    for (const s of stale) this.#log.warn(`removed the objects of an incomplete start: ${s.cluster}/${s.namespace}/${s.key}`);
    for (const s of state.incomplete.filter((x) => !stale.includes(x))) {
      const wait = limit - (now - s.createdAt);
      this.#log.info(`${s.cluster}/${s.namespace}/${s.key} is an incomplete start ${Math.round((now - s.createdAt) / 1000)} s old; removing it in ${Math.round(wait / 1000)} s unless it completes`);
      setTimeout(() => void this.#removeIfStillIncomplete(s.cluster, s.namespace, s.key), wait).unref();
    }
    return { running, cleaned: deleted.length, unreachable: state.unreachable.map((u) => u.cluster) };
  }

  async #removeIfStillIncomplete(cluster: string, namespace: string, key: string): Promise<void> {
    if (this.#registry.get(key)) return; // started (or being started) through this daemon since
    const c = this.#clusterOrUndefined(cluster);
    if (!c || c.watch.get(key)?.startedAt) return;
    try {
      await this.#remove(cluster, namespace, key, this.#extraKinds, { includePersistent: false, now: true });
      this.#log.warn(`removed the objects of an incomplete start: ${cluster}/${namespace}/${key}`);
    } catch (err) {
      this.#log.error(`could not remove the incomplete start ${cluster}/${namespace}/${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * `server.start`. Idempotent: a running server answers at once; a start already under way
   * is joined (its progress relayed to this caller too). A stop while starting cancels it.
   */
  async start(params: SpawnRequest, onProgress: (e: ProgressEvent) => void, signal: AbortSignal): Promise<StartResult> {
    const key = spawnKey(params);
    for (;;) {
      const existing = this.#registry.get(key);
      if (!existing) break;
      if (existing.phase === "running" && existing.url) {
        return { url: existing.url, state: this.#stateOf(existing) };
      }
      if (existing.phase === "starting" && existing.started) {
        existing.progress.add(onProgress);
        try {
          return await existing.started;
        } finally {
          existing.progress.delete(onProgress);
        }
      }
      // Stopping (or a running server recovered without its URL): let the stop finish, or
      // re-run the start, which re-applies the same objects and answers with the URL.
      if (existing.stopped) await existing.stopped.catch(() => {});
      else this.#registry.delete(existing);
    }

    const controller = new AbortController();
    const timeoutMs = this.#config.startTimeout * 1000;
    // Not AbortSignal.timeout: its timer would keep this start's signals, listeners and
    // closures alive for the whole start timeout after the start has finished.
    const timeoutCtl = new AbortController();
    const timer = setTimeout(() => timeoutCtl.abort(new DOMException("The start timed out", "TimeoutError")), timeoutMs);
    const timeout = timeoutCtl.signal;
    const both = AbortSignal.any([controller.signal, timeout, signal]);
    const trace: StartTrace = { extraKinds: [], applied: false };
    const progress = new Set([onProgress]);
    const t0 = Date.now();
    const names = { user: params.user.name, server: params.server, since: t0 };
    let last = "nothing happened yet";
    let record: ServerRecord | undefined;
    const emit = (e: ProgressEvent) => {
      last = e.message;
      if (record) record.message = last;
      for (const p of progress) p(e);
    };
    const started = launchServer({ config: this.#config, kube: this.#kube, log: this.#log.child(`${params.user.name}/${params.server}`) }, params, trace, emit, both);
    record = serverRecord(key, "starting", { ...names, extraKinds: trace.extraKinds, controller, started, trace, progress, message: last });
    this.#registry.set(record);
    const spawned = (outcome: SpawnObservation["outcome"], reason?: string) =>
      // trace.profile is set once the profile is resolved: a slug of the config, never what the hub sent.
      this.#onSpawned({ cluster: trace.cluster ?? "", profile: trace.profile ?? "", outcome, seconds: (Date.now() - t0) / 1000, ...(reason ? { reason } : {}) });
    try {
      const result = await started;
      const { cluster, namespace, profile } = result.state;
      this.#registry.set(serverRecord(key, "running", { ...names, cluster, namespace, profile, url: result.url, extraKinds: trace.extraKinds, message: last }));
      this.#log.info(`started ${key} on ${result.state.cluster} in ${Date.now() - t0} ms`);
      spawned("success");
      return result;
    } catch (err) {
      const stoppedByHub = controller.signal.aborted;
      const timedOut = timeout.aborted && !stoppedByHub;
      // Stopped by the hub, or the hub hung up: nobody waits for this start any more.
      if (stoppedByHub || (signal.aborted && !timedOut)) spawned("cancelled");
      else spawned("failure", startFailureReason(err, timedOut));
      const message = startFailureMessage(err, this.#config.startTimeout, timedOut, last);
      // A stop that cancelled us cleans up itself; otherwise nothing of a failed start stays.
      if (!stoppedByHub && trace.applied && trace.cluster && trace.namespace) {
        await this.#remove(trace.cluster, trace.namespace, key, trace.extraKinds, { includePersistent: false, now: true }).catch(
          (e: unknown) => this.#log.error(`cleanup after failed start of ${key}: ${e instanceof Error ? e.message : String(e)}`),
        );
      }
      if (!stoppedByHub) this.#registry.delete(record);
      this.#log.warn(`start of ${key} failed: ${message}`);
      throw new UserError(message, [], { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `server.poll`: answered from the shared watch's cache, no API call. `null` = running.
   * Unreachable cluster: the last known state holds for `pollGracePeriod` seconds (a network
   * blip must not make the hub drop running servers); after that the server counts as gone.
   */
  poll(ref: ServerRef): number | null {
    const key = ref.state?.key ?? spawnKey(ref);
    const record = this.#registry.get(key);
    if (record?.phase === "starting") return null;
    const clusterName = record?.cluster ?? ref.state?.cluster;
    const cluster = clusterName ? this.#clusterOrUndefined(clusterName) : undefined;
    if (!cluster) return record ? null : 0;
    const conn = cluster.watch.connection();
    if (!conn.reachable || !cluster.watch.synced) {
      const since = Math.max(conn.since.getTime(), this.#startedAt);
      const withinGrace = Date.now() - since < this.#config.pollGracePeriod * 1000;
      if (withinGrace && (record || ref.state)) return null;
      return 1;
    }
    const status = cluster.watch.get(key);
    if (!status || status.phase === "terminating") {
      if (record && record.phase !== "stopping") this.#registry.delete(record);
      return status?.exitCode ?? 0;
    }
    if (status.phase === "failed" || status.phase === "succeeded") return status.exitCode ?? 1;
    if (!record && status.startedAt) {
      // Started by an earlier daemon and not yet in the registry (its cluster was down at startup).
      this.#registry.set(
        serverRecord(key, "running", { cluster: cluster.name, namespace: status.namespace, profile: ref.state?.profile ?? "", extraKinds: this.#extraKinds }),
      );
    }
    return null;
  }

  /** `server.stop`: cancel a start under way, delete the server's objects except persistent ones, wait until gone. */
  async stop(ref: ServerRef, now: boolean): Promise<void> {
    await this.#end(ref, { includePersistent: false, now });
  }

  /** `server.delete`: like stop, and also the objects that outlive a stop, on every cluster. */
  async delete(ref: ServerRef): Promise<void> {
    await this.#end(ref, { includePersistent: true, now: true });
  }

  async #end(ref: ServerRef, opts: { includePersistent: boolean; now: boolean }): Promise<void> {
    const key = ref.state?.key ?? spawnKey(ref);
    const record = this.#registry.get(key);
    if (record?.stopped) {
      await record.stopped;
      if (!opts.includePersistent) return;
    }
    // One promise covers cancelling a start under way and deleting: a start or stop that
    // arrives meanwhile waits for all of it (registry.ts `stopped`).
    const stopping = (async () => {
      if (record?.phase === "starting" && record.started) {
        record.controller?.abort(new UserError("the server was stopped while starting"));
        await record.started.catch(() => {});
      }
      // A cancelled start knows (in its trace) where it got to.
      const cluster = record?.trace?.cluster || record?.cluster || ref.state?.cluster;
      const namespace = record?.trace?.namespace || record?.namespace || ref.state?.namespace;
      const kinds: readonly KindRef[] = record?.trace?.extraKinds ?? record?.extraKinds ?? [];
      const targets = opts.includePersistent || !cluster ? this.#kube.clusters() : [this.#kube.cluster(cluster)];
      await Promise.all(
        targets.map((c) =>
          this.#remove(c.name, c.name === cluster ? namespace : undefined, key, [...kinds, ...this.#extraKinds], opts),
        ),
      );
    })();
    if (record) {
      record.phase = "stopping";
      record.stopped = stopping;
    }
    try {
      await stopping;
      this.#log.info(`${opts.includePersistent ? "deleted" : "stopped"} ${key}`);
    } finally {
      if (record) this.#registry.delete(record);
    }
  }

  async #remove(
    clusterName: string,
    namespace: string | undefined,
    key: string,
    extraKinds: readonly KindRef[],
    opts: { includePersistent: boolean; now: boolean },
  ): Promise<void> {
    const cluster = this.#kube.cluster(clusterName);
    const ns = namespace ?? this.#fixedNamespace(clusterName);
    await deleteServerObjects(cluster, ns, key, {
      includePersistent: opts.includePersistent,
      ...(opts.now ? { gracePeriodSeconds: 0 } : {}),
      extraKinds,
    });
  }

  /** A cluster's namespace when it is not a per-user template (then every namespace is searched). */
  #fixedNamespace(clusterName: string): string | undefined {
    const ns = this.#config.clusters.get(clusterName)?.namespace;
    return ns && !ns.includes("{{") ? ns : undefined;
  }

  #clusterOrUndefined(name: string): KubeCluster | undefined {
    return this.#kube.clusters().find((c) => c.name === name);
  }

  #stateOf(r: ServerRecord): ServerState {
    return { cluster: r.cluster, namespace: r.namespace, key: r.key, profile: r.profile };
  }
}
