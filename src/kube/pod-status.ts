/**
 * What a server's Pod (and the events about it) mean for the hub: ready, failed for a reason
 * that will not fix itself, how far the start has come, as `{progress, message}`, what the
 * cluster is still working on (a node, a scale-up, a volume: pod-waiting.ts) and why a Pod the
 * cluster ended is gone (`endReason`).
 * Pure functions of the objects: unit-tested without a cluster.
 */
import { ANNOTATION_SERVERNAME, ANNOTATION_USERNAME, LABEL_KEY } from "../objects/labels.ts";
import { ownerUidOf } from "../objects/owner.ts";
import type { ProgressEvent } from "../rpc/protocol.ts";
import type { ObjectMeta } from "./informer.ts";
import { waitingMessage, waitingOf, type PodContext, type Waiting } from "./pod-waiting.ts";

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodLike {
  metadata: ObjectMeta;
  spec?: {
    nodeName?: string;
    containers?: { name: string; image?: string }[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface EventLike {
  metadata: ObjectMeta;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  /**
   * When the daemon's watch first and last received this event (ms, its own clock): waits are
   * timed by them, so a cluster whose clock is off cannot cut them short or stretch them.
   */
  firstSeen?: number;
  lastSeen?: number;
}

export type ServerPhase = "pending" | "running" | "ready" | "failed" | "succeeded" | "terminating";

export interface ServerStatus {
  readonly key: string;
  readonly namespace: string;
  readonly podName: string;
  readonly uid: string;
  readonly phase: ServerPhase;
  readonly ready: boolean;
  /**
   * Set when the start cannot succeed: Kubernetes reason and message. For a server that has
   * run, a container in CrashLoopBackOff is not the end (the kubelet restarts it in place, as
   * `restartPolicy: OnFailure` asks): `ended` says when it is.
   */
  readonly failure: { readonly reason: string; readonly message: string } | undefined;
  /** Exit code of the main container when it terminated (for the hub's poll). */
  readonly exitCode: number | undefined;
  /** The Pod is over for good: phase Failed or Succeeded, the kubelet will not run it again. */
  readonly ended: boolean;
  readonly progress: ProgressEvent;
  /**
   * Its containers have run: the Pod got past Pending. A start that got this far is the hub's
   * to stop (startup recovery adopts it); one that did not may be an orphan (kube/startup.ts).
   */
  readonly started: boolean;
  /** The uid of the server's owner (objects/owner.ts) the Pod references, if it does. */
  readonly ownerUid: string | undefined;
  readonly nodeName: string | undefined;
  readonly podIP: string | undefined;
  /** The hub's names of the server (its annotations), for `servers.list`. */
  readonly user: string | undefined;
  readonly server: string | undefined;
  /** The Pod's `creationTimestamp` (ISO). */
  readonly createdAt: string | undefined;
  /** What the cluster is still working on before the Pod can run on a node; undefined once scheduled. */
  readonly waiting: Waiting | undefined;
  /** Why the Pod is ending or ended, when the cluster says (eviction, node loss, failure). */
  readonly endReason: string | undefined;
}

/** Waiting reasons that mean the container will not start without a change of spec. */
export const FATAL_WAITING_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CrashLoopBackOff",
]);

/**
 * Event reasons worth telling the user, with their place on the progress bar. (`Scheduled` is
 * not: the Pod's node, which arrives first, says it.)
 */
const EVENT_PROGRESS: Readonly<Record<string, number>> = {
  Pulling: 40,
  Pulled: 60,
  Created: 70,
  Started: 80,
};

function condition(pod: PodLike, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

function fatalContainer(statuses: readonly ContainerStatus[] | undefined) {
  for (const cs of statuses ?? []) {
    const w = cs.state?.waiting;
    if (w?.reason && FATAL_WAITING_REASONS.has(w.reason)) {
      return { reason: w.reason, message: `container ${cs.name}: ${w.message ?? w.reason}` };
    }
  }
  return undefined;
}

function failureOf(pod: PodLike): ServerStatus["failure"] {
  const containers = fatalContainer(pod.status?.initContainerStatuses) ?? fatalContainer(pod.status?.containerStatuses);
  if (containers) return containers;
  // No node yet is not a failure: a cluster autoscaler may add one, a volume may be on its way
  // (waitingOf); schedulingVerdict decides when waiting is over.
  if (pod.status?.phase === "Failed") {
    return { reason: pod.status.reason ?? "Failed", message: pod.status.message ?? terminatedMessage(pod) ?? "the pod failed" };
  }
  return undefined;
}

/** The `DisruptionTarget` condition's reasons (k8s.io/api core/v1), in people's words. */
function disruption(reason: string, node: string): string {
  switch (reason) {
    case "EvictionByEvictionAPI":
      return "it was evicted through the Eviction API (a node drain or another disruption)";
    case "DeletionByTaintManager":
      return `its node ${node} became unreachable or not ready, and Kubernetes evicted it`;
    case "DeletionByPodGC":
      return `its node ${node} is gone, and the pod garbage collector deleted it`;
    case "PreemptionByScheduler":
      return "the scheduler preempted it for a pod of higher priority";
    case "TerminationByKubelet":
      return `the kubelet of node ${node} stopped it (node pressure or shutdown)`;
    default:
      return `Kubernetes ended it (${reason})`;
  }
}

function endReasonOf(pod: PodLike, failure: ServerStatus["failure"]): string | undefined {
  const target = condition(pod, "DisruptionTarget");
  if (target?.status === "True" && target.reason) {
    return `${disruption(target.reason, pod.spec?.nodeName ?? "?")}${target.message ? ` (${target.message})` : ""}`;
  }
  if (failure) return `${failure.reason}: ${failure.message}`;
  if (pod.status?.phase === "Succeeded") return `the server exited (code ${exitCodeOf(pod) ?? "?"})`;
  if (pod.metadata.deletionTimestamp) return "its Pod was deleted";
  return undefined;
}

function terminatedMessage(pod: PodLike): string | undefined {
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = cs.state?.terminated;
    if (t) return `container ${cs.name} exited with ${t.exitCode ?? "?"}${t.reason ? ` (${t.reason})` : ""}${t.message ? `: ${t.message}` : ""}`;
  }
  return undefined;
}

function exitCodeOf(pod: PodLike): number | undefined {
  for (const cs of pod.status?.containerStatuses ?? []) {
    const code = cs.state?.terminated?.exitCode;
    if (code !== undefined) return code;
  }
  return undefined;
}

function progressOf(pod: PodLike, phase: ServerPhase, events: readonly EventLike[], waiting: Waiting | undefined, context: PodContext): ProgressEvent {
  if (phase === "ready") return { progress: 90, message: "Server is ready, waiting for its route to answer" };
  if (phase === "terminating") return { progress: 0, message: "Server is stopping" };
  let best: ProgressEvent = { progress: 10, message: "Pod created, waiting to be scheduled" };
  const consider = (p: ProgressEvent) => {
    if (p.progress >= best.progress) best = p;
  };
  if (waiting) consider(waitingMessage(waiting, context));
  if (pod.spec?.nodeName || condition(pod, "PodScheduled")?.status === "True") {
    consider({ progress: 30, message: `Scheduled on node ${pod.spec?.nodeName ?? "?"}` });
  }
  for (const e of events) {
    const p = e.reason ? EVENT_PROGRESS[e.reason] : undefined;
    // Kubelet messages read well on their own: `Pulling image "x"`, `Started container notebook`.
    if (p !== undefined) consider({ progress: p, message: e.message || (e.reason ?? "") });
  }
  const running = pod.status?.containerStatuses?.some((c) => c.state?.running);
  if (running) consider({ progress: 80, message: "Server started, waiting until it is ready" });
  return best;
}

/** The server's status from its Pod and the recent events about that Pod. */
export function serverStatus(pod: PodLike, events: readonly EventLike[] = [], context: PodContext = {}): ServerStatus {
  const failure = pod.metadata.deletionTimestamp ? undefined : failureOf(pod);
  const waiting = pod.metadata.deletionTimestamp ? undefined : waitingOf(pod, events, context);
  const ready = condition(pod, "Ready")?.status === "True";
  let phase: ServerPhase;
  if (pod.metadata.deletionTimestamp) phase = "terminating";
  else if (failure) phase = "failed";
  else if (pod.status?.phase === "Succeeded") phase = "succeeded";
  else if (ready) phase = "ready";
  else if (pod.status?.phase === "Running") phase = "running";
  else phase = "pending";
  const key = pod.metadata.labels?.[LABEL_KEY] ?? "";
  return {
    key,
    namespace: pod.metadata.namespace ?? "",
    podName: pod.metadata.name,
    uid: pod.metadata.uid ?? "",
    phase,
    ready: phase === "ready",
    failure,
    exitCode: exitCodeOf(pod),
    ended: pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded",
    progress: failure ? { progress: 100, message: `${failure.reason}: ${failure.message}` } : progressOf(pod, phase, events, waiting, context),
    started: pod.status?.phase !== undefined && pod.status.phase !== "Pending",
    ownerUid: ownerUidOf(pod.metadata, key),
    nodeName: pod.spec?.nodeName,
    podIP: pod.status?.podIP,
    user: pod.metadata.annotations?.[ANNOTATION_USERNAME],
    server: pod.metadata.annotations?.[ANNOTATION_SERVERNAME],
    createdAt: typeof pod.metadata.creationTimestamp === "string" ? pod.metadata.creationTimestamp : undefined,
    waiting,
    endReason: endReasonOf(pod, failure ?? (pod.metadata.deletionTimestamp ? failureOf(pod) : undefined)),
  };
}
