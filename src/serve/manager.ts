import { renderNamespace } from "../config/namespace-template.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { HubUser } from "../config/types.ts";
import { ConfidentialError, UserError } from "../errors.ts";
import { cleanupIncomplete, recoverState, stopServer } from "../kube/index.ts";
import type { Kube, KubeCluster, ManagedServer, ServerStatus, StopFacts } from "../kube/index.ts";
import { serverKey } from "../names/safe-name.ts";
import { uniqueKinds, type KindRef } from "../objects/kinds.ts";
import { longestStartTimeout, serverNamespace, spawnKey, startTimeoutOf, type SpawnRequest } from "../profile/resolve-spawn.ts";
import type { ProgressEvent, ServerState, ServersListResult, StartResult } from "../rpc/protocol.ts";
import { operatorKinds } from "../spawn/kinds.ts";
import { launchServer, startFailureMessage, startFailureReason, startTrace } from "../spawn/launch.ts";
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
  /** Per running server, its subscription to the watch (see `#running`). */
  readonly #lossWatches = new Map<string, () => void>();

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
   * Rebuild the registry from the clusters: servers whose Pod got past Pending are running;
   * objects of starts that never got their server up (a crash mid-start) are deleted. A
   * cluster that cannot be listed now is logged and recovered on its own once it first answers.
   */
  async recover(): Promise<{ running: number; cleaned: number; unreachable: string[] }> {
    const result = await this.#recoverClusters(this.#kube.clusters());
    for (const name of result.unreachable) {
      const cluster = this.#kube.cluster(name);
      const error = cluster.watch.connection().lastError ?? "no answer";
      this.#log.with({ cluster: name }).warn(`cluster "${name}" is unreachable at startup (${error}); its servers are recovered once it answers`);
      this.#recoverWhenReachable(cluster);
    }
    return result;
  }

  /** Recovery of one cluster that was unreachable, the first time it answers (again, until it works). */
  #recoverWhenReachable(cluster: KubeCluster): void {
    const log = this.#log.with({ cluster: cluster.name });
    let running = false;
    const attempt = (): void => {
      if (running || !cluster.watch.connection().reachable) return;
      running = true;
      this.#recoverClusters([cluster]).then(
        (r) => {
          running = false;
          if (r.unreachable.length > 0) return; // not yet: the next change of reachability tries again
          stop();
          log.info(`cluster "${cluster.name}" answers: recovered ${r.running} running server${r.running === 1 ? "" : "s"}, removed ${r.cleaned} objects of incomplete starts`);
        },
        (err: unknown) => {
          running = false;
          log.error(`recovering cluster "${cluster.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    };
    const stop = cluster.watch.onConnection(attempt);
    attempt();
  }

  async #recoverClusters(clusters: readonly KubeCluster[]): Promise<{ running: number; cleaned: number; unreachable: string[] }> {
    const found = await recoverState(clusters, {
      extraKinds: this.#extraKinds,
      inFlight: (cluster, key) => this.#registry.has(cluster, key),
    });
    const genuine = (s: ManagedServer) => {
      const why = this.#notGenuine(s);
      if (why !== undefined) this.#log.with({ cluster: s.cluster, key: s.key }).warn(`ignoring objects labelled as server ${s.key} in namespace ${s.namespace}: ${why}`);
      return why === undefined;
    };
    const state = { ...found, servers: found.servers.filter(genuine), incomplete: found.incomplete.filter((s) => this.#notGenuine(s) === undefined) };
    let running = 0;
    for (const s of state.servers) {
      if (!s.started || !s.pod || this.#registry.get(s.key)) continue;
      const cluster = this.#config.clusters.get(s.cluster);
      if (!cluster) continue;
      this.#running(serverRecord(s.key, "running", { cluster: s.cluster, namespace: s.namespace, extraKinds: this.#extraKinds, stop: stopFactsOf(s) }));
      running += 1;
    }
    // An incomplete start younger than the start timeout may still be under way in another
    // daemon (a rolling restart, a second hub process): it is only removed if it is still
    // incomplete once it has had its full start timeout.
    const limit = longestStartTimeout(this.#config) * 1000;
    const now = Date.now();
    const stale = state.incomplete.filter((s) => now - s.createdAt >= limit);
    const deleted = await cleanupIncomplete(clusters, { ...state, incomplete: stale }, { extraKinds: this.#extraKinds });
    for (const s of stale) this.#log.with({ cluster: s.cluster, key: s.key }).warn(`removed the objects of an incomplete start: ${s.cluster}/${s.namespace}/${s.key}`);
    for (const s of state.incomplete.filter((x) => !stale.includes(x))) {
      const wait = limit - (now - s.createdAt);
      this.#log.with({ cluster: s.cluster, key: s.key }).info(`${s.cluster}/${s.namespace}/${s.key} is an incomplete start ${Math.round((now - s.createdAt) / 1000)} s old; removing it in ${Math.round(wait / 1000)} s unless it completes`);
      setTimeout(() => void this.#removeIfStillIncomplete(s), wait).unref();
    }
    return { running, cleaned: deleted.length, unreachable: state.unreachable.map((u) => u.cluster) };
  }

  /**
   * Why objects found on a cluster are not a server of this daemon, or undefined when they
   * are: anyone who may create objects in some namespace can label them with any key, so a
   * server counts only where its names say it must live (the namespace its user's servers
   * get), and a Pod's raw names (annotations) must give its key.
   */
  #notGenuine(s: ManagedServer): string | undefined {
    const cluster = this.#config.clusters.get(s.cluster);
    if (!cluster) return "the cluster is not in the config";
    if (!cluster.namespace.includes("{{")) return s.namespace === cluster.namespace ? undefined : `servers live in namespace ${cluster.namespace}`;
    const raw = s.pod?.user !== undefined && s.pod.server !== undefined ? { user: s.pod.user, server: s.pod.server } : undefined;
    if (raw) {
      if (serverKey(raw.user, raw.server, this.#config.hubId) !== s.key) return `its Pod's names (${JSON.stringify(raw.user)}, ${JSON.stringify(raw.server)}) give another key`;
      try {
        return serverNamespace(cluster, raw.user, raw.server, this.#config.hubId) === s.namespace ? undefined : "its user's servers live in another namespace";
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    }
    // No Pod: the escaped names of the labels fill the template as they did at render.
    const expected = renderNamespace(cluster.namespace, { username: s.username, servername: s.servername, key: s.key });
    // Cluster-scoped objects (the namespace mcks created for the user) group under "".
    if (s.namespace === "") return s.objects.every((o) => o.kind === "Namespace" && o.name === expected) ? undefined : "cluster-scoped objects other than its namespace";
    return expected === s.namespace ? undefined : "its user's servers live in another namespace";
  }

  async #removeIfStillIncomplete(s: ManagedServer): Promise<void> {
    const { cluster, namespace, key } = s;
    if (this.#registry.get(key)) return; // started (or being started) through this daemon since
    const c = this.#clusterOrUndefined(cluster);
    if (!c || c.watch.get(key, namespace)?.started) return;
    try {
      await this.#remove(cluster, namespace, key, this.#extraKinds, { includePersistent: false, now: true }, stopFactsOf(s));
      this.#log.warn(`removed the objects of an incomplete start: ${cluster}/${namespace}/${key}`);
    } catch (err) {
      this.#log.error(`could not remove the incomplete start ${cluster}/${namespace}/${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * `server.start`. Idempotent: a running server answers at once; a start already under way
   * is joined (its progress relayed to this caller too). A stop while starting cancels it.
   */
  async start(params: SpawnRequest, onProgress: (e: ProgressEvent) => void, signal: AbortSignal, requestLog: ServeLog = this.#log): Promise<StartResult> {
    const key = spawnKey(params, this.#config.hubId);
    const log = requestLog.with({ user: params.user.name, server: params.server, key });
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
    // The profile's (or option's) startTimeout, when it has one.
    const timeoutSeconds = startTimeoutOf(this.#config, params);
    const timeoutMs = timeoutSeconds * 1000;
    // Not AbortSignal.timeout: its timer would keep this start's signals, listeners and
    // closures alive for the whole start timeout after the start has finished.
    const timeoutCtl = new AbortController();
    const timer = setTimeout(() => timeoutCtl.abort(new DOMException("The start timed out", "TimeoutError")), timeoutMs);
    const timeout = timeoutCtl.signal;
    const both = AbortSignal.any([controller.signal, timeout, signal]);
    const trace = startTrace();
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
    const started = launchServer({ config: this.#config, kube: this.#kube, log }, params, trace, emit, both);
    record = serverRecord(key, "starting", { ...names, extraKinds: trace.extraKinds, controller, started, trace, progress, message: last });
    this.#registry.set(record);
    const spawned = (outcome: SpawnObservation["outcome"], reason?: string) =>
      // trace.profile is set once the profile is resolved: a slug of the config, never what the hub sent.
      this.#onSpawned({ cluster: trace.cluster ?? "", profile: trace.profile ?? "", outcome, seconds: (Date.now() - t0) / 1000, ...(reason ? { reason } : {}) });
    try {
      const result = await started;
      const { cluster, namespace, profile } = result.state;
      this.#running(serverRecord(key, "running", { ...names, cluster, namespace, profile, url: result.url, extraKinds: trace.extraKinds, message: last, stop: trace }));
      log.with({ cluster }).info(`started ${key} on ${cluster} in ${Date.now() - t0} ms`);
      spawned("success");
      return result;
    } catch (err) {
      const stoppedByHub = controller.signal.aborted;
      const timedOut = timeout.aborted && !stoppedByHub;
      // Stopped by the hub, or the hub hung up: nobody waits for this start any more.
      if (stoppedByHub || (signal.aborted && !timedOut)) spawned("cancelled");
      else spawned("failure", startFailureReason(err, timedOut));
      const message = startFailureMessage(err, timeoutSeconds, timedOut, last);
      // A stop that cancelled us cleans up itself; otherwise nothing of a failed start stays.
      if (!stoppedByHub && trace.applied && trace.cluster && trace.namespace) {
        await this.#remove(trace.cluster, trace.namespace, key, trace.extraKinds, { includePersistent: false, now: true }, trace).catch(
          (e: unknown) => log.error(`cleanup after failed start of ${key}: ${e instanceof Error ? e.message : String(e)}`),
        );
      }
      if (!stoppedByHub) this.#registry.delete(record);
      log.with({ cluster: trace.cluster }).warn(`start of ${key} failed: ${message}`);
      // A bug's message is for the log only: the hub user reads a sentence and a reference.
      if (!(err instanceof UserError) && !timeout.aborted) {
        throw new ConfidentialError(message, "the start failed because of an error in mcks; ask an administrator to look up the reference in the daemon's log", { cause: err });
      }
      throw new UserError(message, [], { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Where the server `ref` names lives, recomputed from (user, server, config). The state the
   * hub stored is only a hint: a state that names another key (another user's server), a
   * cluster its profile does not use or another namespace is refused, never acted upon.
   */
  #locate(ref: ServerRef): { key: string; cluster: string | undefined; namespaceOn(cluster: string): string | undefined } {
    const key = spawnKey(ref, this.#config.hubId);
    const namespaceOn = (name: string): string | undefined => {
      const cluster = this.#config.clusters.get(name);
      return cluster ? serverNamespace(cluster, ref.user.name, ref.server, this.#config.hubId) : undefined;
    };
    const state = ref.state;
    if (!state) return { key, cluster: undefined, namespaceOn };
    const mismatch = (what: string) =>
      new UserError(
        `the stored state of ${JSON.stringify(ref.user.name)}'s server ${JSON.stringify(ref.server)} does not match that server: ${what}; mcks acts only on the server the user and server names give. Clear this server's state in the hub (or stop it without one)`,
      );
    if (state.key !== key) return this.#refuse(mismatch(`it names key ${JSON.stringify(state.key)}, but this server's key is ${JSON.stringify(key)}`));
    if (!this.#config.clusters.has(state.cluster)) return this.#refuse(mismatch(`it names cluster ${JSON.stringify(state.cluster)}, which the config does not have`));
    const profile = this.#config.profiles.find((p) => p.slug === state.profile);
    // A server started while its profile's cluster was unreachable lives on one of its fallbacks.
    if (profile && profile.cluster !== state.cluster && !profile.fallbackClusters.includes(state.cluster)) {
      const where = [profile.cluster, ...profile.fallbackClusters].map((c) => JSON.stringify(c)).join(" or ");
      return this.#refuse(mismatch(`profile ${JSON.stringify(profile.slug)} starts servers on cluster ${where}, not ${JSON.stringify(state.cluster)}`));
    }
    const namespace = namespaceOn(state.cluster);
    if (namespace !== state.namespace) return this.#refuse(mismatch(`it names namespace ${JSON.stringify(state.namespace)}, but this server lives in ${JSON.stringify(namespace)}`));
    return { key, cluster: state.cluster, namespaceOn };
  }

  #refuse(err: UserError): never {
    throw err;
  }

  /**
   * `server.poll`: answered from the shared watch's cache, no API call. `null` = running.
   * Unreachable cluster: the last known state holds for `pollGracePeriod` seconds (a network
   * blip must not make the hub drop running servers); after that the server counts as gone.
   */
  poll(ref: ServerRef): number | null {
    const place = this.#locate(ref);
    const { key } = place;
    const record = this.#registry.get(key);
    if (record?.phase === "starting") return null;
    const clusterName = record?.cluster || place.cluster;
    const cluster = clusterName ? this.#clusterOrUndefined(clusterName) : undefined;
    if (!cluster) return record ? null : 0;
    const conn = cluster.watch.connection();
    if (!conn.reachable || !cluster.watch.synced) {
      const since = Math.max(conn.since.getTime(), this.#startedAt);
      const withinGrace = Date.now() - since < this.#config.pollGracePeriod * 1000;
      if (withinGrace && (record || ref.state)) return null;
      return 1;
    }
    const namespace = record?.namespace || place.namespaceOn(cluster.name);
    const status = namespace ? cluster.watch.get(key, namespace) : undefined;
    if (!status || status.phase === "terminating") {
      if (record && record.phase !== "stopping") this.#registry.delete(record);
      return status?.exitCode ?? 0;
    }
    // A crash-looping container of a running server is restarted in place: running still.
    if (status.ended) return status.exitCode ?? 1;
    if (!record && status.started) {
      // Started by an earlier daemon and not yet in the registry (its cluster was down at startup).
      this.#running(
        serverRecord(key, "running", { cluster: cluster.name, namespace: status.namespace, profile: ref.state?.profile ?? "", extraKinds: this.#extraKinds }),
      );
    }
    return null;
  }

  /**
   * Registers a running server and follows its Pod: when the cluster ends it without a stop
   * (evicted, deleted by someone else, lost with its node, failed), the daemon logs why and
   * removes the server's objects (those with lifetime `user` stay), so the poll reports it
   * stopped and nothing of it is left behind.
   */
  #running(record: ServerRecord): void {
    this.#registry.set(record);
    this.#lossWatches.get(record.key)?.();
    const cluster = this.#clusterOrUndefined(record.cluster);
    if (!cluster) return;
    const off = cluster.watch.subscribe(record.key, () => {
      if (this.#registry.get(record.key) !== record || record.phase !== "running") {
        unwatch();
        return;
      }
      const status = cluster.watch.get(record.key, record.namespace);
      if (status && status.phase !== "terminating" && !status.ended) return;
      unwatch();
      this.#lost(record, status);
    });
    const unwatch = () => {
      off();
      if (this.#lossWatches.get(record.key) === unwatch) this.#lossWatches.delete(record.key);
    };
    this.#lossWatches.set(record.key, unwatch);
  }

  #lost(record: ServerRecord, status: ServerStatus | undefined): void {
    const why = status?.endReason ?? "its Pod was deleted";
    const log = this.#log.with({ cluster: record.cluster, key: record.key });
    log.warn(`${record.key} on ${record.cluster} ended without a stop: ${why}; removing its objects`);
    record.phase = "stopping";
    // `now`: the cluster has already ended the Pod; one stuck on a lost node would otherwise stay
    // Terminating until the node returns, and block the next start of this server.
    record.stopped = this.#remove(
      record.cluster,
      record.namespace || undefined,
      record.key,
      [...record.extraKinds, ...this.#extraKinds],
      { includePersistent: false, now: true },
      record.stop,
    )
      .then(() => log.info(`removed the objects of ${record.key} on ${record.cluster}`))
      .catch((e: unknown) => log.error(`cleanup after ${record.key} ended: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.#registry.delete(record));
  }

  /** `server.stop`: cancel a start under way, delete the server's objects except persistent ones, wait until gone. */
  async stop(ref: ServerRef, now: boolean, requestLog: ServeLog = this.#log): Promise<void> {
    await this.#end(ref, { includePersistent: false, now }, requestLog);
  }

  /** `server.delete`: like stop, and also the objects that outlive a stop, on every cluster. */
  async delete(ref: ServerRef, requestLog: ServeLog = this.#log): Promise<void> {
    await this.#end(ref, { includePersistent: true, now: true }, requestLog);
  }

  async #end(ref: ServerRef, opts: { includePersistent: boolean; now: boolean }, requestLog: ServeLog): Promise<void> {
    const place = this.#locate(ref);
    const { key } = place;
    const log = requestLog.with({ user: ref.user.name, server: ref.server, key });
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
      const cluster = record?.trace?.cluster || record?.cluster || place.cluster;
      const kinds: readonly KindRef[] = record?.trace?.extraKinds ?? record?.extraKinds ?? [];
      const facts = record?.trace ?? record?.stop;
      const targets = opts.includePersistent || !cluster ? this.#kube.clusters() : [this.#kube.cluster(cluster)];
      await Promise.all(
        targets.map((c) => {
          // The namespace this user's server has on that cluster: never one a state names, never all.
          const namespace = (c.name === cluster && (record?.trace?.namespace || record?.namespace)) || place.namespaceOn(c.name);
          return this.#remove(c.name, namespace, key, [...kinds, ...this.#extraKinds], opts, c.name === cluster ? facts : undefined);
        }),
      );
    })();
    if (record) {
      record.phase = "stopping";
      record.stopped = stopping;
    }
    try {
      await stopping;
      log.info(`${opts.includePersistent ? "deleted" : "stopped"} ${key}`);
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
    facts: StopFacts = { unowned: undefined },
  ): Promise<void> {
    const cluster = this.#kube.cluster(clusterName);
    const ns = namespace ?? this.#fixedNamespace(clusterName);
    await stopServer(cluster, { ...facts, namespace: ns, key }, {
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

/** What a stop of a server found by startup recovery needs. */
function stopFactsOf(s: ManagedServer): StopFacts {
  return { ownerUid: s.ownerUid, unowned: s.unowned };
}
