/**
 * Records core/v1 Events the way client-go's legacy recorder does for the components the agent
 * stands in for (kubelet, cluster-autoscaler, an external provisioner): `source.component`
 * (+ `host` for a kubelet), `reportingComponent`/`reportingInstance` copied from them, events
 * about cluster-scoped objects in `default`. `repeat` events are aggregated like client-go's
 * correlator: the same source, object, reason and message again bumps `count` and `lastTimestamp`.
 */
import type { CoreV1Event, V1ObjectReference } from "@kubernetes/client-node";
import { mergePatch } from "./kube.ts";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";

export interface Source {
  readonly component: string;
  /** The node, for a kubelet's events. */
  readonly host?: string;
}

export interface Involved {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventInput {
  readonly object: Involved;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  readonly source: Source;
  /** e.g. `spec.containers{notebook}`: which container the event is about. */
  readonly fieldPath?: string;
}

export const kubeletSource = (node: string): Source => ({ component: "kubelet", host: node });

let counter = 0;

function eventTime(): Date {
  const time = new Date();
  time.setMilliseconds(0);
  return time;
}

export class EventRecorder {
  readonly #kube: Kube;
  readonly #log: Log;
  /** Aggregation key → the event already written and its count. */
  readonly #seen = new Map<string, { namespace: string; name: string; count: number }>();

  constructor(kube: Kube, log: Log) {
    this.#kube = kube;
    this.#log = log;
  }

  /** Writes the event; returns its name, or undefined when it could not be written. */
  async record(e: EventInput): Promise<string | undefined> {
    const meta = e.object.metadata ?? {};
    const namespace = meta.namespace || "default";
    const time = eventTime();
    const involvedObject: V1ObjectReference = {
      apiVersion: e.object.apiVersion ?? "v1",
      kind: e.object.kind,
      name: meta.name,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    };
    const body: CoreV1Event = {
      metadata: { name: `${meta.name}.${(Date.now() * 1000 + (counter++ % 1000)).toString(16)}`, namespace },
      involvedObject,
      reason: e.reason,
      message: e.message,
      type: e.type,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: e.source.host ? { component: e.source.component, host: e.source.host } : { component: e.source.component },
      reportingComponent: e.source.component,
      reportingInstance: e.source.host ?? "",
    };
    try {
      await this.#kube.limiter.run(() => this.#kube.core.createNamespacedEvent({ namespace, body }), "low");
      return body.metadata!.name;
    } catch (err) {
      // Events are best effort in Kubernetes too; a lost one must not stall the pod.
      this.#log(`event ${e.reason} for ${e.object.kind} ${namespace}/${meta.name} not recorded: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Like `record`, but the same event again only counts up the one already written. */
  async repeat(e: EventInput): Promise<void> {
    const meta = e.object.metadata ?? {};
    const key = [e.source.component, e.object.kind, meta.uid, e.type, e.reason, e.message].join("\0");
    const prev = this.#seen.get(key);
    if (!prev) {
      const name = await this.record(e);
      if (name) this.#remember(key, meta.namespace || "default", name);
      return;
    }
    prev.count++;
    try {
      await this.#kube.limiter.run(
        () =>
          this.#kube.core.patchNamespacedEvent(
            { name: prev.name, namespace: prev.namespace, body: { count: prev.count, lastTimestamp: eventTime().toISOString().replace(/\.\d+Z$/, "Z") } },
            mergePatch,
          ),
        "low",
      );
    } catch (err) {
      this.#log(`event ${e.reason} for ${e.object.kind} ${prev.namespace}/${meta.name} not counted: ${(err as Error).message}`);
    }
  }

  #remember(key: string, namespace: string, name: string): void {
    this.#seen.set(key, { namespace, name, count: 1 });
    // Bounded like client-go's LRU cache of aggregated events.
    if (this.#seen.size > 4096) this.#seen.delete(this.#seen.keys().next().value!);
  }
}
