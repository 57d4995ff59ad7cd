/**
 * ONE shared watch per cluster: the managed Pods (label `app.kubernetes.io/managed-by`), the
 * events about Pods and the events about PersistentVolumeClaims (is a server's volume being
 * provisioned: events need no more RBAC than mcks has, a watch of the claims would). Every
 * user's progress, readiness, poll and stop-wait is answered from this cache; there is never a
 * watch or a poll loop per user. It also times the cluster's scale-ups as it sees them
 * (cluster-autoscaler's `TriggeredScaleUp` → the Pod scheduled), for the progress message.
 *
 * Events carry no labels, so the API can only narrow them to `involvedObject.kind=Pod` (and
 * the namespace when the cluster uses a fixed one); events of Pods we do not manage are
 * dropped on arrival.
 */
import type { KubeClient } from "./clients.ts";
import { isNotFound, ServerFailedError, shortReason } from "./errors.ts";
import { cacheKey, Informer, type InformerState } from "./informer.ts";
import type { ProgressEvent } from "../rpc/protocol.ts";
import { NO_OBSERVER, type KubeObserver } from "./observer.ts";
import { serverStatus, type EventLike, type PodLike, type ServerStatus } from "./pod-status.ts";
import { claimNamesOf, describeScaleUps, schedulingVerdict, type PodContext, type WaitPolicy } from "./pod-waiting.ts";
import { DEFAULTS } from "../config/defaults.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_HUB } from "../names/safe-name.ts";
import { hubSelector, LABEL_KEY, ofHub } from "../objects/labels.ts";

export interface ConnectionState {
  readonly reachable: boolean;
  /** The full message, for the daemon's log and `mcks status` (may name the API server's URL). */
  readonly lastError: string | undefined;
  /** The same in a few words for the hub's users (errors.ts `shortReason`). */
  readonly reason: string | undefined;
  /** Since when `reachable` has had its current value. */
  readonly since: Date;
}

export interface ClusterWatchOptions {
  /** Watch only this namespace (a cluster with a fixed namespace); default all namespaces. */
  readonly namespace?: string | undefined;
  /** How often to check the API server answers (`GET /version`). Default 10 s; 0 = never. */
  readonly probeIntervalMs?: number;
  /** The hub whose Pods to watch (config `hubId`). Default "default". */
  readonly hubId?: string;
  /** Told of every watch restart (metrics). */
  readonly observer?: KubeObserver;
}

export interface WaitReadyOptions {
  readonly signal?: AbortSignal;
  /** Called when the progress moves forward, or its message changes at the same step (never backwards). */
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly timeoutMs?: number;
  /** When waiting for a node is over (pod-waiting.ts); default: the config's default unschedulableTimeout. */
  readonly policy?: WaitPolicy;
}

/** A Pod as deleteServerObjects knows it. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

type Listener = () => void;

/** `lastError` of a cluster whose first listing has not answered yet (not known to be down). */
export const NOT_CONNECTED_YET = "not connected yet";

const EVENTS_PER_POD = 20;
/** Claims whose recent events are kept (their provisioning is what a start may wait for). */
const CLAIMS_KEPT = 1000;
const EVENTS_PER_CLAIM = 5;
/** Scale-up durations kept per cluster for "usually about 40 s here". */
const SCALE_UPS_KEPT = 10;
const DEFAULT_POLICY: WaitPolicy = { unschedulableTimeoutMs: DEFAULTS.cluster.unschedulableTimeout * 1000 };
/** Events that arrive before their Pod (two independent streams): kept briefly, bounded. */
const PENDING_PODS = 1000;

/** What pod-status.ts, startup and stop read of a Pod; the spec (env, volumes…) is dropped. */
function keepPod(p: PodLike): PodLike {
  const m = p.metadata;
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      annotations: m.annotations,
      deletionTimestamp: m.deletionTimestamp,
      creationTimestamp: m.creationTimestamp,
      ownerReferences: m.ownerReferences,
    },
    spec: {
      nodeName: p.spec?.nodeName,
      containers: p.spec?.containers?.map((c) => ({ name: c.name, image: c.image })),
      volumes: p.spec?.volumes?.flatMap((v) => (v.persistentVolumeClaim ? [{ name: v.name, persistentVolumeClaim: { claimName: v.persistentVolumeClaim.claimName } }] : [])),
    },
    status: p.status,
  };
}

/** What progress and failure reasons need of an Event, and when this daemon received it. */
function keepEvent(e: EventLike): EventLike {
  return {
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, uid: e.metadata.uid, resourceVersion: e.metadata.resourceVersion },
    involvedObject: e.involvedObject,
    reason: e.reason,
    message: e.message,
    type: e.type,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    count: e.count,
    lastSeen: Date.now(),
  };
}

/**
 * Ends a wait when `opts.signal` aborts or `opts.timeoutMs` passes, calling `end` with the
 * reason; registers its own cleanup. True when the signal had already aborted.
 */
function endOnAbortOrTimeout(
  opts: { readonly signal?: AbortSignal | undefined; readonly timeoutMs?: number | undefined },
  cleanup: (() => void)[],
  end: (err: unknown) => void,
  timeoutError: () => Error,
): boolean {
  const { signal, timeoutMs } = opts;
  if (signal) {
    if (signal.aborted) {
      end(signal.reason);
      return true;
    }
    const onAbort = () => end(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    cleanup.push(() => signal.removeEventListener("abort", onAbort));
  }
  if (timeoutMs !== undefined) {
    const t = setTimeout(() => end(timeoutError()), timeoutMs);
    cleanup.push(() => clearTimeout(t));
  }
  return false;
}

export class ClusterWatch {
  readonly client: KubeClient;
  readonly namespace: string | undefined;
  readonly hubId: string;
  readonly #pods: Informer<PodLike>;
  readonly #claimEvents: Informer<EventLike>;
  readonly #events: Informer<EventLike>;
  /** claim cache key → pod cache keys of the Pods that mount it. */
  readonly #claimUsers = new Map<string, Set<string>>();
  /** claim cache key → its recent events (claims of any Pod: they come before the Pod; bounded). */
  readonly #claimEventsOf = new Map<string, EventLike[]>();
  /** Recent scale-up durations (ms), oldest first. */
  readonly #scaleUps: number[] = [];
  /**
   * key → cache keys of the Pods named `key` (one per namespace). A Pod is a server's only if
   * it is named after the key label it carries, in the namespace that server lives in: anyone
   * who may create Pods somewhere can put any label on them, so `get` and `waitReady` ask for
   * the namespace too.
   */
  readonly #byKey = new Map<string, Set<string>>();
  /** pod cache key → recent events about it. */
  readonly #podEvents = new Map<string, EventLike[]>();
  readonly #pendingEvents = new Map<string, EventLike[]>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #goneWaiters = new Map<string, Set<() => void>>();
  /** Uids the watch saw deleted (bounded): a stop asking after the fact returns at once. */
  readonly #recentlyDeleted = new Set<string>();
  readonly #connectionListeners = new Set<(s: ConnectionState) => void>();
  readonly #probeIntervalMs: number;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeError: { message: string; reason: string } | undefined;
  #version: string | undefined;
  #connection: ConnectionState = { reachable: false, lastError: NOT_CONNECTED_YET, reason: NOT_CONNECTED_YET, since: new Date() };

  constructor(client: KubeClient, options: ClusterWatchOptions = {}) {
    this.client = client;
    this.namespace = options.namespace;
    this.hubId = options.hubId ?? DEFAULT_HUB;
    this.#probeIntervalMs = options.probeIntervalMs ?? 10_000;
    const observer = options.observer ?? NO_OBSERVER;
    const ns = options.namespace ? `/namespaces/${encodeURIComponent(options.namespace)}` : "";
    this.#pods = new Informer<PodLike>(
      client.http,
      { name: `pods of cluster "${client.name}"`, path: `/api/v1${ns}/pods`, labelSelector: hubSelector(this.hubId), keep: keepPod },
      {
        add: (pod) => this.#podChanged(pod),
        update: (pod, old) => this.#podChanged(pod, old),
        delete: (pod) => this.#podDeleted(pod),
        synced: () => this.#resolveGoneAfterRelist(),
        state: () => this.#updateConnection(),
        restarted: (reason) => observer.watchRestart(client.name, "pods", reason),
      },
    );
    this.#claimEvents = new Informer<EventLike>(
      client.http,
      { name: `claim events of cluster "${client.name}"`, path: `/api/v1${ns}/events`, fieldSelector: "involvedObject.kind=PersistentVolumeClaim", cache: false, keep: keepEvent },
      { add: (e) => this.#claimEvent(e), update: (e) => this.#claimEvent(e), restarted: (reason) => observer.watchRestart(client.name, "claim-events", reason) },
    );
    this.#events = new Informer<EventLike>(
      client.http,
      { name: `events of cluster "${client.name}"`, path: `/api/v1${ns}/events`, fieldSelector: "involvedObject.kind=Pod", cache: false, keep: keepEvent },
      { add: (e) => this.#event(e), update: (e) => this.#event(e), restarted: (reason) => observer.watchRestart(client.name, "events", reason) },
    );
  }

  start(): void {
    this.#pods.start();
    this.#claimEvents.start();
    this.#events.start();
    if (this.#probeIntervalMs > 0) {
      void this.#probe(); // the version at once, for `mcks status`
      this.#probeTimer = setInterval(() => void this.#probe(), this.#probeIntervalMs);
      this.#probeTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#probeTimer);
    await Promise.all([this.#pods.stop(), this.#claimEvents.stop(), this.#events.stop()]);
  }

  /** Resolves once the managed Pods are listed (the cache is then authoritative). */
  whenSynced(): Promise<void> {
    return this.#pods.whenSynced();
  }

  get synced(): boolean {
    return this.#pods.synced;
  }

  /** The server `key` in `namespace` from the cache (no API call); undefined when it has no Pod there. */
  get(key: string, namespace: string): ServerStatus | undefined {
    const pod = this.#pods.get(namespace, key);
    if (!pod || pod.metadata.labels?.[LABEL_KEY] !== key || !ofHub(pod.metadata.labels, this.hubId)) return undefined;
    return serverStatus(pod, this.#podEvents.get(cacheKey(pod.metadata)) ?? [], this.#context());
  }

  #context(): PodContext {
    return {
      cluster: this.client.name,
      claimEvents: (namespace, name) => this.#claimEventsOf.get(cacheKey({ namespace, name })) ?? [],
      scaleUpNote: describeScaleUps(this.#scaleUps),
    };
  }

  /** Every managed server with a Pod on this cluster (a Pod named after its key), in every namespace. */
  servers(): ServerStatus[] {
    const out: ServerStatus[] = [];
    for (const key of this.#byKey.keys()) {
      for (const ck of this.#byKey.get(key) ?? []) {
        const s = this.get(key, splitCacheKey(ck)[0] ?? "");
        if (s) out.push(s);
      }
    }
    return out;
  }

  connection(): ConnectionState {
    return this.#connection;
  }

  /** The API server's `gitVersion` from the last probe that answered; undefined before. */
  get serverVersion(): string | undefined {
    return this.#version;
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Calls `listener` on every change of the Pods named `key` (then ask `get(key, namespace)`). */
  subscribe(key: string, listener: Listener): () => void {
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  /**
   * Resolves when the Pod of `key` is Ready; rejects with ServerFailedError (Kubernetes
   * reason + message) when it cannot start, or when it is deleted meanwhile.
   */
  waitReady(key: string, namespace: string, opts: WaitReadyOptions = {}): Promise<ServerStatus> {
    return new Promise((resolve, reject) => {
      let best = -1;
      let told = "";
      /** uid of the live (not terminating) Pod we have seen: a leftover terminating Pod of
       * an earlier start is not ours to wait for, but ours being deleted ends the wait. */
      let liveUid: string | undefined;
      let last: ServerStatus | undefined;
      /** Looks again when a wait for a node may be over without anything changing. */
      let recheck: NodeJS.Timeout | undefined;
      const cleanup: (() => void)[] = [() => clearTimeout(recheck)];
      const finish = (fn: () => void) => {
        for (const c of cleanup.splice(0)) c();
        fn();
      };
      const policy = opts.policy ?? DEFAULT_POLICY;
      const check = (s: ServerStatus | undefined) => {
        if (!s || (s.phase === "terminating" && s.uid === liveUid)) {
          if (liveUid !== undefined) finish(() => reject(new ServerFailedError(`Pod/${last?.podName ?? key} was deleted while starting`, "Deleted")));
          return;
        }
        if (s.phase === "terminating") return;
        liveUid = s.uid;
        last = s;
        if (s.failure) {
          const f = s.failure;
          return finish(() => reject(new ServerFailedError(`Pod/${s.podName} cannot start: ${f.reason}: ${f.message}`, f.reason)));
        }
        if (s.phase === "succeeded") {
          return finish(() => reject(new ServerFailedError(`Pod/${s.podName} exited (code ${s.exitCode ?? "?"}) before it was ready`, "Completed")));
        }
        const verdict = schedulingVerdict(s.waiting, Date.now(), policy, this.client.name);
        if (verdict.failure) {
          const f = verdict.failure;
          return finish(() => reject(new ServerFailedError(`Pod/${s.podName} cannot start: ${f.reason}: ${f.message}`, f.reason)));
        }
        clearTimeout(recheck);
        if (verdict.recheckAt !== undefined) recheck = setTimeout(() => check(this.get(key, namespace)), Math.max(0, verdict.recheckAt - Date.now()) + 10);
        // News at the same step counts too (the scheduler's message changes as nodes join);
        // a step back (a volume bound, the Pod not yet placed) is not news.
        if (s.progress.progress > best || (s.progress.progress === best && s.progress.message !== told)) {
          best = s.progress.progress;
          told = s.progress.message;
          opts.onProgress?.(s.progress);
        }
        if (s.ready) finish(() => resolve(s));
      };
      cleanup.push(this.subscribe(key, () => check(this.get(key, namespace))));
      const ended = endOnAbortOrTimeout(opts, cleanup, (err) => finish(() => reject(err)), () => {
        const where = last ? ` (last: ${last.progress.message})` : " (its Pod never appeared)";
        return new UserError(`server ${key} was not ready within ${Math.round(opts.timeoutMs! / 1000)} s${where}`);
      });
      if (!ended) check(this.get(key, namespace));
    });
  }

  /**
   * Resolves when these Pods are gone, as the shared watch sees it (a DELETED event, or
   * absence after a re-list). A Pod the cache does not hold is checked once with a GET: it
   * may be gone already, or the watch may not have delivered it yet.
   */
  waitPodsGone(pods: readonly PodRef[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    const pending = pods.filter((p) => p.uid !== "" && !this.#recentlyDeleted.has(p.uid));
    if (pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const left = new Set(pending.map((p) => p.uid));
      const cleanup: (() => void)[] = [];
      const finish = (fn: () => void) => {
        for (const c of cleanup.splice(0)) c();
        fn();
      };
      for (const uid of left) {
        const done = () => {
          left.delete(uid);
          if (left.size === 0) finish(resolve);
        };
        let set = this.#goneWaiters.get(uid);
        if (!set) this.#goneWaiters.set(uid, (set = new Set()));
        set.add(done);
        cleanup.push(() => {
          set.delete(done);
          if (set.size === 0) this.#goneWaiters.delete(uid);
        });
      }
      const ended = endOnAbortOrTimeout(opts, cleanup, (err) => finish(() => reject(err)), () => {
        const names = pending.filter((p) => left.has(p.uid)).map((p) => `Pod/${p.name}`);
        return new UserError(`${names.join(", ")} still not gone after ${Math.round(opts.timeoutMs! / 1000)} s`);
      });
      if (ended) return;
      for (const p of pending) {
        if (!this.#pods.get(p.namespace, p.name)) void this.#checkGone(p);
      }
    });
  }

  async #checkGone(p: PodRef): Promise<void> {
    try {
      const live = await this.client.http.json<PodLike>({
        method: "GET",
        path: `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`,
      });
      if (live.metadata.uid !== p.uid) this.#fireGone(p.uid);
    } catch (err) {
      if (isNotFound(err)) this.#fireGone(p.uid);
      // Other errors: the watch (or the caller's timeout) settles it.
    }
  }

  #rememberDeleted(uid: string): void {
    this.#recentlyDeleted.add(uid);
    if (this.#recentlyDeleted.size > 5000) {
      const first = this.#recentlyDeleted.values().next().value;
      if (first !== undefined) this.#recentlyDeleted.delete(first);
    }
  }

  #fireGone(uid: string): void {
    const set = this.#goneWaiters.get(uid);
    if (!set) return;
    for (const w of [...set]) w();
  }

  #resolveGoneAfterRelist(): void {
    const present = new Set([...this.#pods.values()].map((p) => p.metadata.uid));
    for (const uid of [...this.#goneWaiters.keys()]) if (!present.has(uid)) this.#fireGone(uid);
  }

  #podChanged(pod: PodLike, old?: PodLike): void {
    const ck = cacheKey(pod.metadata);
    const oldKey = old?.metadata.labels?.[LABEL_KEY];
    const key = pod.metadata.labels?.[LABEL_KEY];
    if (oldKey && oldKey !== key) this.#unindex(oldKey, ck);
    if (old && old.metadata.uid !== pod.metadata.uid) {
      // Same name, new Pod (a restart): the old one's events no longer apply.
      this.#podEvents.delete(ck);
      if (old.metadata.uid) {
        this.#rememberDeleted(old.metadata.uid);
        this.#fireGone(old.metadata.uid);
      }
    }
    const pending = this.#pendingEvents.get(ck);
    if (pending) {
      this.#pendingEvents.delete(ck);
      for (const e of pending) this.#addEvent(ck, pod, e);
    }
    this.#indexClaims(ck, old, pod);
    if (old && !old.spec?.nodeName && pod.spec?.nodeName) this.#timeScaleUp(ck);
    if (!key || pod.metadata.name !== key || !ofHub(pod.metadata.labels, this.hubId)) return;
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, (set = new Set()));
    set.add(ck);
    this.#notify(key);
  }

  #podDeleted(pod: PodLike): void {
    const ck = cacheKey(pod.metadata);
    this.#indexClaims(ck, pod, undefined);
    this.#podEvents.delete(ck);
    const uid = pod.metadata.uid;
    if (uid) {
      this.#rememberDeleted(uid);
      this.#fireGone(uid);
    }
    const key = pod.metadata.labels?.[LABEL_KEY];
    if (key) {
      this.#unindex(key, ck);
      this.#notify(key);
    }
  }

  #unindex(key: string, ck: string): void {
    const set = this.#byKey.get(key);
    set?.delete(ck);
    if (set?.size === 0) this.#byKey.delete(key);
  }

  #event(e: EventLike): void {
    const io = e.involvedObject;
    if (!io?.name) return;
    const ck = cacheKey({ namespace: io.namespace ?? e.metadata.namespace, name: io.name });
    const [ns, name] = splitCacheKey(ck);
    const pod = this.#pods.get(ns, name);
    if (!pod) {
      // Maybe our Pod, not yet seen on the other stream; keep a bounded few.
      const list = this.#pendingEvents.get(ck) ?? [];
      list.push(e);
      this.#pendingEvents.delete(ck);
      this.#pendingEvents.set(ck, list.slice(-EVENTS_PER_POD));
      if (this.#pendingEvents.size > PENDING_PODS) {
        const oldest = this.#pendingEvents.keys().next().value;
        if (oldest !== undefined) this.#pendingEvents.delete(oldest);
      }
      return;
    }
    this.#addEvent(ck, pod, e);
    const key = pod.metadata.labels?.[LABEL_KEY];
    if (key) this.#notify(key);
  }

  #addEvent(ck: string, pod: PodLike, e: EventLike): void {
    if (e.involvedObject?.uid && pod.metadata.uid && e.involvedObject.uid !== pod.metadata.uid) return;
    const before = this.#podEvents.get(ck) ?? [];
    // A repeated event (same object, count + 1) keeps when it was first seen.
    const firstSeen = before.find((x) => x.metadata.name === e.metadata.name)?.firstSeen ?? e.lastSeen;
    const list = before.filter((x) => x.metadata.name !== e.metadata.name);
    list.push({ ...e, firstSeen });
    this.#podEvents.set(ck, list.slice(-EVENTS_PER_POD));
  }

  /** A Pod of a scale-up was scheduled: the scale-up took from its `TriggeredScaleUp` until now. */
  #timeScaleUp(ck: string): void {
    const triggered = this.#podEvents.get(ck)?.find((e) => e.reason === "TriggeredScaleUp");
    if (triggered?.firstSeen === undefined) return;
    this.#scaleUps.push(Date.now() - triggered.firstSeen);
    if (this.#scaleUps.length > SCALE_UPS_KEPT) this.#scaleUps.shift();
  }

  #indexClaims(ck: string, old: PodLike | undefined, pod: PodLike | undefined): void {
    const ns = (pod ?? old)?.metadata.namespace;
    for (const name of claimNamesOf(old)) {
      const k = cacheKey({ namespace: ns, name });
      const set = this.#claimUsers.get(k);
      set?.delete(ck);
      if (set?.size === 0) this.#claimUsers.delete(k);
    }
    for (const name of claimNamesOf(pod)) {
      const k = cacheKey({ namespace: ns, name });
      let set = this.#claimUsers.get(k);
      if (!set) this.#claimUsers.set(k, (set = new Set()));
      set.add(ck);
    }
  }

  #claimEvent(e: EventLike): void {
    const io = e.involvedObject;
    if (!io?.name) return;
    const k = cacheKey({ namespace: io.namespace ?? e.metadata.namespace, name: io.name });
    const list = (this.#claimEventsOf.get(k) ?? []).filter((x) => x.metadata.name !== e.metadata.name);
    list.push(e);
    // Most recently touched last, so the oldest claim goes first when the map is full.
    this.#claimEventsOf.delete(k);
    this.#claimEventsOf.set(k, list.slice(-EVENTS_PER_CLAIM));
    if (this.#claimEventsOf.size > CLAIMS_KEPT) {
      const oldest = this.#claimEventsOf.keys().next().value;
      if (oldest !== undefined) this.#claimEventsOf.delete(oldest);
    }
    for (const ck of this.#claimUsers.get(k) ?? []) {
      const [ns, name] = splitCacheKey(ck);
      const key = this.#pods.get(ns, name)?.metadata.labels?.[LABEL_KEY];
      if (key) this.#notify(key);
    }
  }

  #notify(key: string): void {
    const set = this.#listeners.get(key);
    if (!set || set.size === 0) return;
    for (const l of [...set]) l();
  }

  async #probe(): Promise<void> {
    try {
      const v = await this.client.http.json<{ gitVersion?: string }>({ method: "GET", path: "/version", timeoutMs: 5_000 });
      this.#version = v?.gitVersion ?? this.#version;
      this.#probeError = undefined;
    } catch (err) {
      this.#probeError = { message: err instanceof Error ? err.message : String(err), reason: shortReason(err) };
    }
    this.#updateConnection();
  }

  #updateConnection(): void {
    const pods: InformerState = this.#pods.state;
    const reachable = pods.connected && this.#probeError === undefined;
    // Not connected and no error yet: the first listing is still under way.
    const lastError = this.#probeError?.message ?? pods.lastError ?? NOT_CONNECTED_YET;
    const reason = this.#probeError?.reason ?? pods.reason ?? NOT_CONNECTED_YET;
    const changed = reachable !== this.#connection.reachable;
    this.#connection = {
      reachable,
      lastError: reachable ? undefined : lastError,
      reason: reachable ? undefined : reason,
      since: changed ? new Date() : this.#connection.since,
    };
    if (changed) for (const l of this.#connectionListeners) l(this.#connection);
  }
}

function splitCacheKey(ck: string): [string | undefined, string] {
  const i = ck.indexOf("/");
  const ns = ck.slice(0, i);
  return [ns === "" ? undefined : ns, ck.slice(i + 1)];
}
