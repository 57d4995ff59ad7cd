/**
 * Would a pod fit a node? The scheduler's filter plugins that matter for the bed's pods, in the
 * scheduler's order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit), each
 * giving the reasons its real counterpart gives (k8s.io/kubernetes pkg/scheduler/framework/plugins).
 * cluster-autoscaler runs the same filters against a pool's template node and reports the first
 * failing plugin's reasons; the autoscaler here does the same with these. Pure functions.
 */
import type { V1Container, V1Pod, V1Taint, V1Toleration } from "@kubernetes/client-node";
import { resourceAmount } from "./quantity.ts";

/** Amounts by resource name: `cpu` in millicores, `memory` in bytes, `pods`, extended resources. */
export type Amounts = Record<string, number>;

export interface NodeShape {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly V1Taint[];
  readonly allocatable: Readonly<Amounts>;
  readonly unschedulable?: boolean;
}

/** Quantities ("500m", "1Gi") as amounts. */
function amounts(list: Readonly<Record<string, string>> | undefined): Amounts {
  const r: Amounts = {};
  for (const [k, v] of Object.entries(list ?? {})) r[k] = resourceAmount(k, v);
  return r;
}

function add(into: Amounts, from: Readonly<Amounts>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The API server defaults requests to limits when only limits are set; a pod read raw may not have that yet. */
const requestsOf = (c: V1Container): Amounts =>
  amounts({ ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as Record<string, string>);

/** What the scheduler counts for a pod: containers plus sidecars, or the largest init step, plus overhead. */
export function podRequests(pod: V1Pod): Amounts {
  const total: Amounts = {};
  for (const c of pod.spec?.containers ?? []) add(total, requestsOf(c));
  const sidecars: Amounts = {};
  const initPeak: Amounts = {};
  for (const c of pod.spec?.initContainers ?? []) {
    const r = requestsOf(c);
    if (c.restartPolicy === "Always") {
      add(sidecars, r);
      add(total, r);
      continue;
    }
    for (const [k, v] of Object.entries(r)) initPeak[k] = Math.max(initPeak[k] ?? 0, v + (sidecars[k] ?? 0));
  }
  for (const [k, v] of Object.entries(initPeak)) total[k] = Math.max(total[k] ?? 0, v);
  add(total, amounts(pod.spec?.overhead as Record<string, string> | undefined));
  total.pods = 1;
  return total;
}

function tolerates(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

/** Taints the pod does not tolerate that keep it off the node (PreferNoSchedule does not). */
export function untoleratedTaints(pod: V1Pod, taints: readonly V1Taint[]): V1Taint[] {
  const tols = pod.spec?.tolerations ?? [];
  return taints.filter((taint) => taint.effect !== "PreferNoSchedule" && !tols.some((t) => tolerates(t, taint)));
}

type Requirement = { key: string; operator: string; values?: string[] };

function matchesRequirement(r: Requirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && vals.includes(value);
    case "NotIn":
      return value === undefined || !vals.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const a = Number(value);
      const b = Number(vals[0]);
      if (value === undefined || !Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** nodeSelector and required node affinity (terms are ORed, expressions in a term ANDed; an empty term matches nothing). */
export function matchesNodeAffinity(pod: V1Pod, node: Pick<NodeShape, "name" | "labels">): boolean {
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((term) => {
    const exprs = (term.matchExpressions ?? []) as Requirement[];
    const fields = (term.matchFields ?? []) as Requirement[];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((r) => matchesRequirement(r, node.labels[r.key])) && fields.every((r) => matchesRequirement(r, r.key === "metadata.name" ? node.name : undefined));
  });
}

/**
 * The reasons the first failing filter gives for `pod` on `node` with `used` already taken,
 * or [] when the pod fits.
 */
export function filterReasons(pod: V1Pod, node: NodeShape, used: Readonly<Amounts>, requests: Readonly<Amounts> = podRequests(pod)): string[] {
  if (node.unschedulable && !(pod.spec?.tolerations ?? []).some((t) => tolerates(t, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }))) {
    return ["node(s) were unschedulable"];
  }
  if (untoleratedTaints(pod, node.taints).length > 0) return ["node(s) had untolerated taint(s)"];
  if (!matchesNodeAffinity(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
  const reasons: string[] = [];
  if ((used.pods ?? 0) + 1 > (node.allocatable.pods ?? 0)) reasons.push("Too many pods");
  for (const [name, want] of Object.entries(requests)) {
    if (name === "pods" || name === "ephemeral-storage" || want <= 0) continue;
    if ((used[name] ?? 0) + want > (node.allocatable[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  // The real plugin lists pods, cpu, memory, then extended resources; keep that order.
  const rank = (r: string): number => (r === "Too many pods" ? 0 : r === "Insufficient cpu" ? 1 : r === "Insufficient memory" ? 2 : 3);
  return reasons.sort((a, b) => rank(a) - rank(b));
}

/** Sum of the requests of `pods` (those still holding resources on their node). */
export function usageOf(pods: Iterable<V1Pod>): Amounts {
  const used: Amounts = {};
  for (const p of pods) add(used, podRequests(p));
  return used;
}

/** A pod holds its node's resources until it has finished (the scheduler's view too). */
export const holdsResources = (p: V1Pod): boolean => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
