/**
 * What an unscheduled Pod waits for, in the cluster's own words, and when waiting is over.
 *
 * On a real cloud "no node fits" is the normal first step of a start whenever a node pool
 * scales up from zero: the scheduler's `FailedScheduling`, then cluster-autoscaler's
 * `TriggeredScaleUp`, a node joins minutes later, and the Pod is scheduled. So no node is not
 * a failure by itself; the start fails fast only when the cluster says it will not happen:
 * - `NotTriggerScaleUp` stays cluster-autoscaler's last word for `NO_SCALE_UP_SETTLE_MS`
 *   (about one of its scan intervals, in case a node it was removing or adding changes its mind);
 * - the scheduler finds no node and no autoscaler answers for the cluster's
 *   `unschedulableTimeout` (a cluster without an autoscaler, or one ignoring this pool).
 * While a scale-up is under way only the start timeout applies: a node may take minutes to boot,
 * and cluster-autoscaler says nothing more about the Pod meanwhile.
 * A volume being provisioned or bound is waited for until the start timeout too.
 *
 * Pure functions of the objects and a clock reading; event times are when the daemon saw them.
 */
import type { ProgressEvent } from "../rpc/protocol.ts";
import type { ObjectMeta } from "./informer.ts";
import type { EventLike, PodLike } from "./pod-status.ts";

/** How long `NotTriggerScaleUp` must stay the autoscaler's last word before the start fails. */
export const NO_SCALE_UP_SETTLE_MS = 10_000;

/** The scheduler's VolumeBinding plugin, for a pod whose Immediate claim is not bound yet. */
const UNBOUND_IMMEDIATE = /unbound immediate PersistentVolumeClaims/;
/**
 * A claim's events while its volume is made (the PV controller's `ExternalProvisioning`, the
 * provisioner's `Provisioning`, `ProvisioningFailed` while it retries) and once it is
 * (`ProvisioningSucceeded`). A WaitForFirstConsumer claim gets `ExternalProvisioning` only once
 * the scheduler chose a node for its Pod; before that, its `WaitForFirstConsumer` event means the
 * Pod's node is what is awaited.
 */
const PROVISIONING = new Set(["ExternalProvisioning", "Provisioning", "ProvisioningFailed"]);
const VOLUME_EVENTS = new Set([...PROVISIONING, "ProvisioningSucceeded", "WaitForFirstConsumer"]);

/** What the watch knows around a Pod (its cluster, its claims' events, recent scale-ups there). */
export interface PodContext {
  readonly cluster?: string;
  readonly claimEvents?: (namespace: string, name: string) => readonly EventLike[];
  /** How long scale-ups on this cluster took lately, for people ("usually about 40 s here"). */
  readonly scaleUpNote?: string | undefined;
}

/** One node group a cluster-autoscaler scale-up grows: `{gpu 0->1 (max: 2)}`. */
export interface ScaleUpGroup {
  readonly group: string;
  readonly from: number;
  readonly to: number;
  readonly max: number;
}

/**
 * What an unscheduled Pod waits for, as the cluster tells it. `since` is a time in ms (the
 * daemon's clock when it saw the event) from which the fail-fast limits count.
 */
export type Waiting =
  /** `message`: the provisioner's, when it failed and retries. */
  | { readonly for: "volume"; readonly claim: string; readonly message?: string }
  /** The scheduler found no node and no autoscaler has answered. */
  | { readonly for: "node"; readonly since: number; readonly scheduler: string }
  /** cluster-autoscaler is adding nodes (`TriggeredScaleUp`). */
  | { readonly for: "scale-up"; readonly since: number; readonly scheduler: string; readonly groups: readonly ScaleUpGroup[]; readonly autoscaler: string }
  /** cluster-autoscaler will not add a node (`NotTriggerScaleUp`). */
  | { readonly for: "no-scale-up"; readonly since: number; readonly scheduler: string; readonly autoscaler: string };

/** The limits of waiting for a node, per cluster. */
export interface WaitPolicy {
  /** ms; null = no limit of its own (the start timeout still applies). */
  readonly unschedulableTimeoutMs: number | null;
  /** ms; default NO_SCALE_UP_SETTLE_MS. */
  readonly noScaleUpSettleMs?: number;
}

/** Where the waiting steps sit on the progress bar: before `Scheduled` (30). */
const WAITING_PROGRESS: Readonly<Record<Waiting["for"], number>> = {
  node: 12,
  "no-scale-up": 12,
  "scale-up": 15,
  volume: 20,
};

const firstSeen = (e: EventLike): number => e.firstSeen ?? Date.parse(e.firstTimestamp ?? e.eventTime ?? e.lastTimestamp ?? "");
const lastSeen = (e: EventLike): number => e.lastSeen ?? Date.parse(e.lastTimestamp ?? e.eventTime ?? "");

/** The event seen last (of `reason`, if given); events the watch got later win ties. */
function latest(events: readonly EventLike[], reason?: string): EventLike | undefined {
  let best: EventLike | undefined;
  for (const e of events) if ((reason === undefined || e.reason === reason) && (!best || !(lastSeen(e) < lastSeen(best)))) best = e;
  return best;
}

/** cluster-autoscaler's `pod triggered scale-up: [{gpu 0->1 (max: 2)} …]` (its ScaleUpInfo.String). */
export function parseScaleUpGroups(message: string): ScaleUpGroup[] {
  return [...message.matchAll(/\{(\S+) (\d+)->(\d+) \(max: (\d+)\)\}/g)].map((m) => ({
    group: m[1]!,
    from: Number(m[2]),
    to: Number(m[3]),
    max: Number(m[4]),
  }));
}

/** The claims a Pod mounts. */
export function claimNamesOf(pod: PodLike | undefined): string[] {
  return (pod?.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
}

/** A claim whose volume is being made, and the provisioner's complaint if its last try failed. */
function provisioning(events: readonly EventLike[]): { message?: string } | undefined {
  const last = latest(events.filter((e) => e.reason !== undefined && VOLUME_EVENTS.has(e.reason)));
  if (!last?.reason || !PROVISIONING.has(last.reason)) return undefined;
  return last.reason === "ProvisioningFailed" && last.message ? { message: last.message } : {};
}

function pendingClaim(pod: PodLike, context: PodContext, schedulerMessage: string | undefined): Waiting | undefined {
  const names = claimNamesOf(pod);
  const ns = pod.metadata.namespace ?? "";
  const eventsOf = (name: string) => context.claimEvents?.(ns, name) ?? [];
  for (const name of names) {
    const p = provisioning(eventsOf(name));
    if (p) return { for: "volume", claim: name, ...p };
  }
  const first = names[0];
  if (first !== undefined && schedulerMessage && UNBOUND_IMMEDIATE.test(schedulerMessage)) {
    const unfinished = names.find((n) => !eventsOf(n).some((e) => e.reason === "ProvisioningSucceeded"));
    return { for: "volume", claim: unfinished ?? first };
  }
  return undefined;
}

/** What the unscheduled Pod waits for; undefined when it is scheduled or nobody has said anything yet. */
export function waitingOf(pod: PodLike, events: readonly EventLike[], context: PodContext = {}): Waiting | undefined {
  if (pod.spec?.nodeName) return undefined;
  const failed = latest(events, "FailedScheduling");
  const cond = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const unschedulable = cond?.status === "False" && cond.reason === "Unschedulable";
  const scheduler = failed?.message ?? (unschedulable ? cond.message : undefined);
  const volume = pendingClaim(pod, context, scheduler);
  if (volume) return volume;
  if (!failed && !unschedulable) return undefined;
  const said = scheduler ?? "no node can run this pod";
  // From the scheduler's first "no" (its message changes as nodes come and go).
  const firsts = events.filter((e) => e.reason === "FailedScheduling").map(firstSeen);
  const since = firsts.length ? Math.min(...firsts) : Date.parse(cond?.lastTransitionTime ?? "");
  const up = latest(events, "TriggeredScaleUp");
  const no = latest(events, "NotTriggerScaleUp");
  if (up && !(no && lastSeen(no) > lastSeen(up))) {
    const autoscaler = up.message ?? "";
    return { for: "scale-up", since: firstSeen(up), scheduler: said, groups: parseScaleUpGroups(autoscaler), autoscaler };
  }
  if (no) {
    // The autoscaler's "no" counts from when it replaced its last "yes" (it repeats the same event).
    const from = up ? Math.max(firstSeen(no), lastSeen(up)) : firstSeen(no);
    return { for: "no-scale-up", since: from, scheduler: said, autoscaler: no.message ?? "pod didn't trigger scale-up" };
  }
  return { for: "node", since, scheduler: said };
}

function groupText(g: ScaleUpGroup): string {
  // Clouds name groups by URL (GKE's instance group) or ARN; the last part is what people know.
  const name = g.group.split("/").filter(Boolean).pop() ?? g.group;
  return `${name} ${g.from} → ${g.to} node${g.to === 1 ? "" : "s"} (max ${g.max})`;
}

/** The progress event of a wait, for the hub's user. */
export function waitingMessage(w: Waiting, context: PodContext = {}): ProgressEvent {
  const progress = WAITING_PROGRESS[w.for];
  switch (w.for) {
    case "volume":
      return { progress, message: `Waiting for volume ${w.claim}${w.message ? `: ${w.message}` : ""}` };
    case "node":
      return { progress, message: `Waiting for a node: ${w.scheduler}` };
    case "no-scale-up":
      return { progress, message: `Waiting for a node: ${w.scheduler} (the cluster autoscaler: ${w.autoscaler})` };
    case "scale-up": {
      const groups = w.groups.length ? w.groups.map(groupText).join(", ") : w.autoscaler;
      const note = context.scaleUpNote ? `; ${context.scaleUpNote}` : "";
      return { progress, message: `Adding a node to ${context.cluster ?? "the cluster"}: ${groups}${note}` };
    }
  }
}

export type Verdict =
  | { readonly failure: { readonly reason: string; readonly message: string }; readonly recheckAt?: undefined }
  | { readonly failure?: undefined; readonly recheckAt: number | undefined };

/**
 * Whether waiting is over at `now`: a failure in the cluster's words, or when to look again
 * (undefined: only a change of the Pod or its events can end the wait).
 */
export function schedulingVerdict(w: Waiting | undefined, now: number, policy: WaitPolicy, cluster = "the cluster"): Verdict {
  if (!w) return { recheckAt: undefined };
  if (w.for === "no-scale-up") {
    const at = w.since + (policy.noScaleUpSettleMs ?? NO_SCALE_UP_SETTLE_MS);
    if (now < at) return { recheckAt: at };
    return {
      failure: {
        reason: "NotTriggerScaleUp",
        message: `no node of ${cluster} can take it and its cluster autoscaler will not add one: ${w.autoscaler} (the scheduler: ${w.scheduler})`,
      },
    };
  }
  if (w.for === "node" && policy.unschedulableTimeoutMs !== null && Number.isFinite(w.since)) {
    const at = w.since + policy.unschedulableTimeoutMs;
    if (now < at) return { recheckAt: at };
    const s = Math.round(policy.unschedulableTimeoutMs / 1000);
    return {
      failure: {
        reason: "Unschedulable",
        message: `${w.scheduler} (no node of ${cluster} could take it for ${s} s and no cluster autoscaler answered; the cluster's unschedulableTimeout is ${s} s)`,
      },
    };
  }
  return { recheckAt: undefined };
}

/**
 * "usually about 40 s here": the median of recent scale-up durations (ms, oldest first), in
 * words; undefined without any.
 */
export function describeScaleUps(durations: readonly number[]): string | undefined {
  if (durations.length === 0) return undefined;
  const sorted = [...durations].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const about = aboutDuration(median);
  return durations.length === 1 ? `the last one here took about ${about}` : `usually about ${about} here`;
}

function aboutDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90) return `${Math.round(s / 5) * 5} s`;
  const min = s / 60;
  return min < 10 ? `${Math.round(min * 2) / 2} min` : `${Math.round(min)} min`;
}
