/**
 * What a server's Pod (and the events about it) mean for the hub: ready, failed for a reason
 * that will not fix itself, or how far the start has come, as `{progress, message}`.
 * Pure functions of the objects: unit-tested without a cluster.
 */
import { ANNOTATION_SERVERNAME, ANNOTATION_USERNAME, LABEL_KEY } from "../objects/labels.ts";
import { ownerUidOf } from "../objects/owner.ts";
import type { ProgressEvent } from "../rpc/protocol.ts";
import type { ObjectMeta } from "./informer.ts";

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
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
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
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
}

export type ServerPhase = "pending" | "running" | "ready" | "failed" | "succeeded" | "terminating";

export interface ServerStatus {
  readonly key: string;
  readonly namespace: string;
  readonly podName: string;
  readonly uid: string;
  readonly phase: ServerPhase;
  readonly ready: boolean;
  /** Set when the start cannot succeed: Kubernetes reason and message. */
  readonly failure: { readonly reason: string; readonly message: string } | undefined;
  /** Exit code of the main container when it terminated (for the hub's poll). */
  readonly exitCode: number | undefined;
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
}

/** Waiting reasons that mean the container will not start without a change of spec. */
export const FATAL_WAITING_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CrashLoopBackOff",
]);

/** Event reasons worth telling the user, with their place on the progress bar. */
const EVENT_PROGRESS: Readonly<Record<string, number>> = {
  Scheduled: 30,
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

function failureOf(pod: PodLike, events: readonly EventLike[]): ServerStatus["failure"] {
  const containers = fatalContainer(pod.status?.initContainerStatuses) ?? fatalContainer(pod.status?.containerStatuses);
  if (containers) return containers;
  const scheduled = condition(pod, "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return { reason: "Unschedulable", message: scheduled.message ?? "no node can run this pod" };
  }
  // The scheduler reports through an event before (or without) the condition.
  const fs = [...events].reverse().find((e) => e.reason === "FailedScheduling");
  if (fs && !pod.spec?.nodeName) return { reason: "Unschedulable", message: fs.message ?? "no node can run this pod" };
  if (pod.status?.phase === "Failed") {
    return { reason: pod.status.reason ?? "Failed", message: pod.status.message ?? terminatedMessage(pod) ?? "the pod failed" };
  }
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

function progressOf(pod: PodLike, phase: ServerPhase, events: readonly EventLike[]): ProgressEvent {
  if (phase === "ready") return { progress: 90, message: "Server is ready, waiting for its route to answer" };
  if (phase === "terminating") return { progress: 0, message: "Server is stopping" };
  let best: ProgressEvent = { progress: 10, message: "Pod created, waiting to be scheduled" };
  const consider = (p: ProgressEvent) => {
    if (p.progress >= best.progress) best = p;
  };
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

export function serverStatus(pod: PodLike, events: readonly EventLike[] = []): ServerStatus {
  const failure = pod.metadata.deletionTimestamp ? undefined : failureOf(pod, events);
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
    progress: failure ? { progress: 100, message: `${failure.reason}: ${failure.message}` } : progressOf(pod, phase, events),
    started: pod.status?.phase !== undefined && pod.status.phase !== "Pending",
    ownerUid: ownerUidOf(pod.metadata, key),
    nodeName: pod.spec?.nodeName,
    podIP: pod.status?.podIP,
    user: pod.metadata.annotations?.[ANNOTATION_USERNAME],
    server: pod.metadata.annotations?.[ANNOTATION_SERVERNAME],
    createdAt: typeof pod.metadata.creationTimestamp === "string" ? pod.metadata.creationTimestamp : undefined,
  };
}
