/**
 * Records core/v1 Events about pods the way the scheduler and kubelet do, so `kubectl describe`
 * and mcks' progress watch see the usual Scheduled/Pulling/…/Started sequence.
 */
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";

export type Source = "kubelet" | "default-scheduler";

export interface EventInput {
  readonly pod: V1Pod;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  readonly source: Source;
  /** e.g. `spec.containers{notebook}`: which container the event is about. */
  readonly fieldPath?: string;
}

let counter = 0;

export class EventRecorder {
  readonly #kube: Kube;
  readonly #node: string;
  readonly #log: Log;

  constructor(kube: Kube, node: string, log: Log) {
    this.#kube = kube;
    this.#node = node;
    this.#log = log;
  }

  async record(e: EventInput): Promise<void> {
    const meta = e.pod.metadata ?? {};
    const namespace = meta.namespace ?? "default";
    const time = new Date();
    time.setMilliseconds(0);
    const body: CoreV1Event = {
      metadata: { name: `${meta.name}.${(Date.now() * 1000 + (counter++ % 1000)).toString(16)}`, namespace },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        name: meta.name,
        namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
        ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
      },
      reason: e.reason,
      message: e.message,
      type: e.type,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: e.source === "kubelet" ? { component: "kubelet", host: this.#node } : { component: "default-scheduler" },
      reportingComponent: e.source,
      reportingInstance: e.source === "kubelet" ? this.#node : "default-scheduler-testbed",
    };
    try {
      await this.#kube.limiter.run(() => this.#kube.core.createNamespacedEvent({ namespace, body }), "low");
    } catch (err) {
      // Events are best effort in Kubernetes too; a lost one must not stall the pod.
      this.#log(`event ${e.reason} for ${namespace}/${meta.name} not recorded: ${(err as Error).message}`);
    }
  }
}
