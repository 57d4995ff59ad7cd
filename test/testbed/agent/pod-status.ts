/**
 * Builds the `status` a kubelet would write for a pod, from the agent's own view of its
 * containers. Pure: the kubelet sends the result as one merge patch on pods/status, which
 * replaces the condition and container-status lists wholesale.
 */
export type ContainerState =
  | { readonly kind: "waiting"; readonly reason: string; readonly message?: string }
  | { readonly kind: "running"; readonly startedAt: string; readonly ready: boolean }
  | {
      readonly kind: "terminated";
      readonly exitCode: number;
      readonly reason: string;
      readonly startedAt: string;
      readonly finishedAt: string;
    };

export interface ContainerView {
  readonly name: string;
  readonly image: string;
  readonly containerId: string;
  state: ContainerState;
  restartCount: number;
  lastTerminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
}

export interface PodView {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  hostIp?: string;
  podIp?: string;
  startTime?: string;
  containers: ContainerView[];
  /** Init containers are reported as having run to completion (sidecars, restartPolicy Always, as running). */
  readonly initContainers: ReadonlyArray<{ name: string; image: string; containerId: string; sidecar: boolean }>;
  /** Condition type → [status, lastTransitionTime]; keeps transition times stable across patches. */
  readonly transitions: Map<string, readonly [string, string]>;
}

export interface Condition {
  type: string;
  status: "True" | "False";
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export function now(): string {
  // Kubernetes timestamps have second precision; sub-second strings fail nothing but look foreign.
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

function condition(view: PodView, type: string, ok: boolean, reason?: string, message?: string): Condition {
  const status = ok ? "True" : "False";
  const prev = view.transitions.get(type);
  const time = prev && prev[0] === status ? prev[1] : now();
  view.transitions.set(type, [status, time]);
  const c: Condition = { type, status, lastProbeTime: null, lastTransitionTime: time };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function containerStatus(c: ContainerView): Record<string, unknown> {
  const running = c.state.kind === "running";
  const hasRun = c.state.kind !== "waiting" || c.restartCount > 0;
  const s: Record<string, unknown> = {
    name: c.name,
    image: c.image,
    imageID: hasRun ? `${c.image.split(":")[0]}@sha256:${"0".repeat(64)}` : "",
    ready: c.state.kind === "running" && c.state.ready,
    started: running,
    restartCount: c.restartCount,
    state:
      c.state.kind === "waiting"
        ? { waiting: c.state.message ? { reason: c.state.reason, message: c.state.message } : { reason: c.state.reason } }
        : c.state.kind === "running"
          ? { running: { startedAt: c.state.startedAt } }
          : {
              terminated: {
                exitCode: c.state.exitCode,
                reason: c.state.reason,
                startedAt: c.state.startedAt,
                finishedAt: c.state.finishedAt,
                containerID: c.containerId,
              },
            },
    lastState: c.lastTerminated ? { terminated: { ...c.lastTerminated, containerID: c.containerId } } : {},
  };
  if (hasRun) s.containerID = c.containerId;
  return s;
}

/** The merge-patch body for pods/status. */
export function statusPatch(view: PodView): { status: Record<string, unknown> } {
  const notReady = view.containers.filter((c) => !(c.state.kind === "running" && c.state.ready)).map((c) => c.name);
  const allReady = notReady.length === 0 && view.phase === "Running";
  const notReadyMsg = `containers with unready status: [${notReady.join(" ")}]`;
  const conditions = [
    condition(view, "PodReadyToStartContainers", view.podIp !== undefined),
    condition(view, "Initialized", true),
    condition(view, "Ready", allReady, allReady ? undefined : "ContainersNotReady", allReady ? undefined : notReadyMsg),
    condition(view, "ContainersReady", allReady, allReady ? undefined : "ContainersNotReady", allReady ? undefined : notReadyMsg),
    condition(view, "PodScheduled", true),
  ];
  const status: Record<string, unknown> = {
    phase: view.phase,
    conditions,
    containerStatuses: view.containers.map(containerStatus),
  };
  if (view.initContainers.length > 0) {
    const at = view.startTime ?? now();
    status.initContainerStatuses = view.initContainers.map((c) =>
      containerStatus({
        name: c.name,
        image: c.image,
        containerId: c.containerId,
        restartCount: 0,
        state: c.sidecar
          ? { kind: "running", startedAt: at, ready: true }
          : { kind: "terminated", exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at },
      }),
    );
  }
  if (view.hostIp) {
    status.hostIP = view.hostIp;
    status.hostIPs = [{ ip: view.hostIp }];
  }
  if (view.podIp) {
    status.podIP = view.podIp;
    status.podIPs = [{ ip: view.podIp }];
  }
  if (view.startTime) status.startTime = view.startTime;
  return { status };
}
