/**
 * A list-then-watch cache of one resource collection on one cluster (what client-go calls a
 * reflector + store), kept alive forever: on a dropped watch it resumes from the last
 * resourceVersion; when the server says that version is too old (410 Gone) it lists again and
 * reports the differences as adds/updates/deletes; on errors it backs off (0.5 s … 30 s).
 */
import type { KubeHttp } from "./http.ts";
import { KubeApiError, parseStatus, shortReason } from "./errors.ts";
import type { WatchRestartReason } from "./observer.ts";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  [key: string]: unknown;
}

export interface WatchedObject {
  metadata: ObjectMeta;
}

export interface InformerOptions<T extends WatchedObject = WatchedObject> {
  /** For messages: "pods", "events". */
  readonly name: string;
  /** Collection path, e.g. `/api/v1/pods` or `/api/v1/namespaces/x/pods`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * `false`: keep no cache and skip the initial listing (only the collection's current
   * resourceVersion is read, with `limit=1`): for events, where only news matter.
   */
  readonly cache?: boolean;
  /** Server-side watch timeout; the watch is then resumed. Default 290 s. */
  readonly watchTimeoutSeconds?: number;
  /**
   * Keeps only what the caller reads of each object (cached or handed out): with 1000
   * servers a full Pod and its events cost many times the few fields mcks uses.
   */
  readonly keep?: (obj: T) => T;
}

export interface InformerHandlers<T extends WatchedObject> {
  add?(obj: T): void;
  update?(obj: T, old: T | undefined): void;
  delete?(obj: T): void;
  /** A full listing replaced the cache (first sync or after 410 Gone). */
  synced?(): void;
  /** Connection state changed. */
  state?(state: InformerState): void;
  /** The watch ended and is about to be opened again (for metrics). */
  restarted?(reason: WatchRestartReason): void;
}

export interface InformerState {
  readonly connected: boolean;
  readonly lastError: string | undefined;
  /** `lastError` in a few words for people (errors.ts `shortReason`). */
  readonly reason: string | undefined;
  /** When `connected` last changed. */
  readonly since: Date;
}

interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

class GoneError extends Error {}

const PAGE = 500;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * Drops `metadata.managedFields` (server-side apply bookkeeping, about half of a Pod's JSON):
 * nothing here reads it, and with 1000 servers the cached Pods and their events would carry
 * megabytes of it (bench/burst.ts).
 */
function slim<T extends WatchedObject>(obj: T): T {
  if (obj.metadata && "managedFields" in obj.metadata) delete (obj.metadata as { managedFields?: unknown }).managedFields;
  return obj;
}

export function cacheKey(meta: { namespace?: string; name: string }): string {
  return `${meta.namespace ?? ""}/${meta.name}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

export class Informer<T extends WatchedObject> {
  readonly options: InformerOptions<T>;
  readonly #keep: (obj: T) => T;
  readonly #http: KubeHttp;
  readonly #handlers: InformerHandlers<T>;
  readonly #cache = new Map<string, T>();
  readonly #abort = new AbortController();
  #rv: string | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #state: InformerState = { connected: false, lastError: undefined, reason: undefined, since: new Date() };
  #running: Promise<void> | undefined;

  constructor(http: KubeHttp, options: InformerOptions<T>, handlers: InformerHandlers<T>) {
    this.#http = http;
    // A `keep` copies only what it wants (managedFields not among it); without one, `slim` drops it.
    this.#keep = options.keep ?? slim;
    this.options = options;
    this.#handlers = handlers;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error(`${this.options.name} informer stopped`));
    await this.#running;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(cacheKey({ namespace, name }));
  }

  values(): IterableIterator<T> {
    return this.#cache.values();
  }

  get synced(): boolean {
    return this.#synced;
  }

  get state(): InformerState {
    return this.#state;
  }

  /** Resolves once the first full listing is in the cache. */
  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  #setState(connected: boolean, error: unknown): void {
    const changed = connected !== this.#state.connected;
    const lastError = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    const reason = error === undefined ? undefined : shortReason(error);
    this.#state = { connected, lastError, reason, since: changed ? new Date() : this.#state.since };
    if (changed || lastError !== undefined) this.#handlers.state?.(this.#state);
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    let backoff = BACKOFF_MIN_MS;
    while (!signal.aborted) {
      try {
        if (this.#rv === undefined) this.#rv = await this.#list(signal);
        const began = Date.now();
        await this.#watch(this.#rv, signal);
        if (signal.aborted) break;
        this.#handlers.restarted?.("expired");
        // A watch the server ends at once, again and again, must not become a busy loop.
        if (Date.now() - began < 1000) await sleep(BACKOFF_MIN_MS, signal);
        backoff = BACKOFF_MIN_MS;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GoneError) {
          this.#rv = undefined; // too old: list again right away
          this.#handlers.restarted?.("gone");
          continue;
        }
        this.#handlers.restarted?.("error");
        this.#setState(false, err);
        const jitter = 0.8 + Math.random() * 0.4;
        await sleep(backoff * jitter, signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  async #list(signal: AbortSignal): Promise<string> {
    const { path, labelSelector, fieldSelector } = this.options;
    if (this.options.cache === false) {
      const list = await this.#http.json<List<T>>({ method: "GET", path, query: { labelSelector, fieldSelector, limit: 1 }, signal });
      this.#setState(true, undefined);
      this.#markSynced();
      return list.metadata?.resourceVersion ?? "0";
    }
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv = "";
    do {
      let page: List<T>;
      try {
        page = await this.#http.json<List<T>>({
          method: "GET",
          path,
          query: { labelSelector, fieldSelector, limit: PAGE, continue: cont },
          signal,
        });
      } catch (err) {
        // The continue token expired between pages: start the listing over.
        if (err instanceof KubeApiError && err.status.code === 410) throw new GoneError();
        throw err;
      }
      for (const item of page.items ?? []) fresh.set(cacheKey(item.metadata), this.#keep(item));
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    this.#setState(true, undefined);
    this.#replace(fresh);
    return rv;
  }

  #replace(fresh: Map<string, T>): void {
    for (const [k, old] of this.#cache) {
      if (!fresh.has(k)) {
        this.#cache.delete(k);
        this.#handlers.delete?.(old);
      }
    }
    for (const [k, obj] of fresh) {
      const old = this.#cache.get(k);
      this.#cache.set(k, obj);
      if (!old) this.#handlers.add?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || old.metadata.uid !== obj.metadata.uid) {
        this.#handlers.update?.(obj, old);
      }
    }
    this.#markSynced();
  }

  #markSynced(): void {
    this.#synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
    this.#handlers.synced?.();
  }

  async #watch(rv: string, signal: AbortSignal): Promise<void> {
    const { path, labelSelector, fieldSelector } = this.options;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 290;
    let opened = false;
    await this.#http.stream(
      {
        method: "GET",
        path,
        query: { labelSelector, fieldSelector, watch: 1, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds },
        signal,
        // No bytes for longer than the server's own timeout means a dead connection.
        timeoutMs: (timeoutSeconds + 30) * 1000,
      },
      (line) => {
        if (!opened) {
          opened = true;
          this.#setState(true, undefined);
        }
        this.#event(JSON.parse(line) as WatchEvent<T>);
      },
    );
    if (!opened) this.#setState(true, undefined);
  }

  #event(ev: WatchEvent<T>): void {
    if (ev.type === "ERROR") {
      const status = parseStatus(Number((ev.object as { code?: number }).code ?? 0), JSON.stringify(ev.object));
      if (status.code === 410) throw new GoneError();
      throw new KubeApiError(`${this.options.name} watch: ${status.message}`, status);
    }
    const obj = this.#keep(ev.object);
    if (obj.metadata?.resourceVersion) this.#rv = obj.metadata.resourceVersion;
    if (ev.type === "BOOKMARK") return;
    const k = cacheKey(obj.metadata);
    const keep = this.options.cache !== false;
    if (ev.type === "DELETED") {
      if (keep) this.#cache.delete(k);
      this.#handlers.delete?.(obj);
      return;
    }
    const old = keep ? this.#cache.get(k) : undefined;
    if (keep) this.#cache.set(k, obj);
    if (ev.type === "ADDED" && !old) this.#handlers.add?.(obj);
    else this.#handlers.update?.(obj, old);
  }
}
