import type { StopFacts } from "../kube/index.ts";
import type { KindRef } from "../objects/kinds.ts";
import type { ProgressEvent, StartResult } from "../rpc/protocol.ts";
import type { StartTrace } from "../spawn/launch.ts";

export type Phase = "starting" | "running" | "stopping";

/** What the daemon knows about one server (a key), in memory; rebuilt from clusters at startup. */
export interface ServerRecord {
  readonly key: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly profile: string;
  /** Where the hub's proxy routes to. */
  readonly url: string;
  phase: Phase;
  /** Kinds of operator resources this server has, for stop. */
  readonly extraKinds: readonly KindRef[];
  /** What a stop needs to know (the start's trace, or recovery); unknown: the stop lists by label. */
  readonly stop: StopFacts;
  /** While starting: cancels the start (a stop, the hub hanging up, the timeout). */
  readonly controller?: AbortController;
  /** While starting: resolves with the start's answer; shared by concurrent identical starts. */
  readonly started?: Promise<StartResult>;
  /** While starting: how far the start got (cluster, namespace, kinds), for a stop that cancels it. */
  readonly trace?: StartTrace;
  /** While stopping: resolves when the objects are gone. */
  stopped?: Promise<void>;
  /** Progress listeners of everyone waiting for this start. */
  readonly progress: Set<(e: ProgressEvent) => void>;
  /** The hub's names, when this daemon started it (a recovered server has them on its Pod). */
  readonly user?: string;
  readonly server?: string;
  /** When its start began (ms), when this daemon started it. */
  readonly since?: number;
  /** Its start's last progress message (`servers.list`). */
  message?: string;
}

/** The one way to make a record: what is not known (yet) is empty. */
export function serverRecord(key: string, phase: Phase, known: Partial<Omit<ServerRecord, "key" | "phase">> = {}): ServerRecord {
  return { cluster: "", namespace: "", profile: "", url: "", extraKinds: [], stop: { unowned: undefined }, progress: new Set(), ...known, key, phase };
}

/** Servers by key. Keys are unique per (user, server) by construction (names/safe-name.ts). */
export class Registry {
  readonly #byKey = new Map<string, ServerRecord>();

  get(key: string): ServerRecord | undefined {
    return this.#byKey.get(key);
  }

  set(record: ServerRecord): void {
    this.#byKey.set(record.key, record);
  }

  /** Removes the record only if it is still this one (a newer start may have replaced it). */
  delete(record: ServerRecord): void {
    if (this.#byKey.get(record.key) === record) this.#byKey.delete(record.key);
  }

  /** Whether this daemon has server `key` on `cluster`, running or still starting (whose cluster only its trace knows yet). */
  has(cluster: string, key: string): boolean {
    const r = this.#byKey.get(key);
    return r !== undefined && (r.cluster || r.trace?.cluster) === cluster;
  }

  values(): ServerRecord[] {
    return [...this.#byKey.values()];
  }

  get size(): number {
    return this.#byKey.size;
  }
}
