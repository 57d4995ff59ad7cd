/**
 * A stand-in for cluster-autoscaler (its Go module is not available here), one per bed cluster,
 * over the agent's node pools (pools.ts, nodes.ts). Seen through the API it behaves like the real
 * one (kubernetes/autoscaler cluster-autoscaler, read for this):
 * - a pod the scheduler marked Unschedulable that fits no running or booting node, but a new node
 *   of some pool below its max: Event `TriggeredScaleUp` "pod triggered scale-up: [{gpu 0->1 (max: 2)}]"
 *   on the pod, `ScaledUpGroup` on the status ConfigMap, and the node registers after the boot delay;
 * - a pod no pool can take: `NotTriggerScaleUp` "pod didn't trigger scale-up: 1 node(s) didn't match
 *   Pod's node affinity/selector, 1 Insufficient nvidia.com/gpu" (per pool, the first failing
 *   scheduler filter on the pool's template node, or "max node group size reached"), counted up
 *   while the pod stays;
 * - a node of a pool above its min that has been empty for the unneeded time: taint
 *   `ToBeDeletedByClusterAutoscaler`, Events `ScaleDown` on the node and `ScaleDownEmpty` on the
 *   status ConfigMap, then the node goes.
 * Events come from source `cluster-autoscaler`; `kube-system/cluster-autoscaler-status` holds a
 * status in the real layout (fewer fields). Among pools that fit, the one wasting the least CPU and
 * memory is chosen (the `least-waste` expander; the real default `random` would make tests flaky).
 */
import type { V1ConfigMap, V1Node, V1Pod } from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { EventRecorder, Involved } from "./events.ts";
import { filterReasons, holdsResources, podRequests, type Amounts, type NodeShape } from "./fit.ts";
import { mergePatch, statusOf } from "./kube.ts";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";
import { shapeOf, templateNode, type NodeFleet } from "./nodes.ts";
import type { PoolSpec } from "./pools.ts";

export const AUTOSCALER_SOURCE = { component: "cluster-autoscaler" } as const;
export const TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";
const STATUS_NAMESPACE = "kube-system";
const STATUS_NAME = "cluster-autoscaler-status";
/** How often the same NotTriggerScaleUp is counted again (the real loop runs every 10 s). */
const REPEAT_MS = 10_000;

export interface AutoscalerOptions {
  readonly scanMs: number;
  /** How long a node must be empty before it is removed (cluster-autoscaler's --scale-down-unneeded-time). */
  readonly unneededMs: number;
}

export interface AutoscalerView {
  pods(): readonly V1Pod[];
  node(name: string): V1Node | undefined;
}

interface Slot {
  readonly shape: NodeShape;
  readonly used: Amounts;
}

interface ScaleUpOption {
  readonly pool: PoolSpec;
  readonly nodes: number;
  readonly pods: V1Pod[];
  readonly waste: number;
}

export function isUnschedulable(p: V1Pod): boolean {
  if (p.spec?.nodeName || p.metadata?.deletionTimestamp || (p.spec?.schedulingGates?.length ?? 0) > 0) return false;
  return p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable") ?? false;
}

/** Pods that do not keep a node from being removed: mirror pods and DaemonSet pods (the real default). */
const countsForScaleDown = (p: V1Pod): boolean =>
  holdsResources(p) && !p.metadata?.annotations?.["kubernetes.io/config.mirror"] && !p.metadata?.ownerReferences?.some((o) => o.kind === "DaemonSet");

function place(pod: V1Pod, slots: Slot[]): boolean {
  const req = podRequests(pod);
  for (const s of slots) {
    if (filterReasons(pod, s.shape, s.used, req).length === 0) {
      for (const [k, v] of Object.entries(req)) s.used[k] = (s.used[k] ?? 0) + v;
      return true;
    }
  }
  return false;
}

/** "%d %s" per reason over the pools that rejected or skipped the pod, in pool order. */
export function notTriggerMessage(perPool: ReadonlyArray<readonly string[]>): string {
  const counts = new Map<string, number>();
  for (const reasons of perPool) for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return `pod didn't trigger scale-up: ${[...counts].map(([r, n]) => `${n} ${r}`).join(", ")}`;
}

export const scaleUpInfo = (pool: string, current: number, next: number, max: number): string => `{${pool} ${current}->${next} (max: ${max})}`;

/** Go's time.Time String(), which the status ConfigMap's annotation uses. */
function goTime(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000000 +0000 UTC`;
}

export class Autoscaler {
  readonly #kube: Kube;
  readonly #events: EventRecorder;
  readonly #fleet: NodeFleet;
  readonly #view: AutoscalerView;
  readonly #opts: AutoscalerOptions;
  readonly #log: Log;
  readonly #unneededSince = new Map<string, number>();
  readonly #lastNoScaleUp = new Map<string, number>();
  #lastScaleUp = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #statusObject: Involved | undefined;
  #statusText = "";
  #transitions = new Map<string, { status: string; since: string }>();

  constructor(kube: Kube, events: EventRecorder, fleet: NodeFleet, view: AutoscalerView, opts: AutoscalerOptions, log: Log) {
    this.#kube = kube;
    this.#events = events;
    this.#fleet = fleet;
    this.#view = view;
    this.#opts = opts;
    this.#log = log;
  }

  /** Writes the status ConfigMap (the object its log events are about), then loops every scan interval. */
  async start(): Promise<void> {
    await this.#writeStatus(this.#view.pods());
    this.#timer = setInterval(() => void this.runOnce(), this.#opts.scanMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** One autoscaler loop: scale up for unschedulable pods, else count down empty nodes. */
  async runOnce(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const pods = this.#view.pods();
      const scaledUp = await this.#scaleUp(pods);
      if (!scaledUp) await this.#scaleDown(pods);
      await this.#writeStatus(pods);
    } catch (err) {
      this.#log(`autoscaler loop failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.#busy = false;
    }
  }

  /** Running and booting nodes with what their pods take, as the scheduler will see them. */
  #slots(pods: readonly V1Pod[]): Slot[] {
    const used = new Map<string, Amounts>();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (!n || !holdsResources(p)) continue;
      const u = used.get(n) ?? {};
      for (const [k, v] of Object.entries(podRequests(p))) u[k] = (u[k] ?? 0) + v;
      used.set(n, u);
    }
    const slots: Slot[] = [];
    for (const n of this.#fleet.list()) {
      if (n.state === "down" || n.state === "deleting") continue;
      const api = this.#view.node(n.name);
      const starting = n.state === "booting" || !api || (api.spec?.taints ?? []).some((t) => t.key === "node.kubernetes.io/not-ready");
      // A node still starting counts as its pool's template (cluster-autoscaler's "upcoming" nodes).
      const shape = starting ? templateNode(this.#fleet.clusterName, n.pool) : shapeOf(api);
      slots.push({ shape, used: { ...(used.get(n.name) ?? {}) } });
    }
    return slots;
  }

  async #scaleUp(pods: readonly V1Pod[]): Promise<boolean> {
    const pending = pods.filter(isUnschedulable).sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)));
    if (pending.length === 0) return false;
    const slots = this.#slots(pods);
    // Pods a running or upcoming node can take are the scheduler's to place; no scale-up for them.
    const remaining = pending.filter((p) => !place(p, slots));
    if (remaining.length === 0) return false;

    const pools = this.#fleet.pools;
    const perPod = new Map<V1Pod, string[][]>();
    const options: ScaleUpOption[] = [];
    for (const pool of pools) {
      const target = this.#fleet.targetSize(pool.name);
      const room = pool.max - target;
      const template = templateNode(this.#fleet.clusterName, pool);
      const fitting: V1Pod[] = [];
      for (const p of remaining) {
        const reasons = room <= 0 ? ["max node group size reached"] : filterReasons(p, template, {});
        if (reasons.length === 0) fitting.push(p);
        else perPod.set(p, [...(perPod.get(p) ?? []), reasons]);
      }
      if (room <= 0 || fitting.length === 0) continue;
      // Binpack onto new template nodes, no more than the pool may still grow.
      const fresh: Slot[] = [];
      const placed: V1Pod[] = [];
      for (const p of fitting) {
        if (place(p, fresh)) {
          placed.push(p);
          continue;
        }
        if (fresh.length >= room) continue;
        fresh.push({ shape: template, used: {} });
        if (place(p, fresh)) placed.push(p);
      }
      const waste =
        fresh.reduce((w, s) => w + (1 - (s.used.cpu ?? 0) / (template.allocatable.cpu || 1)) + (1 - (s.used.memory ?? 0) / (template.allocatable.memory || 1)), 0) /
        (2 * Math.max(fresh.length, 1));
      options.push({ pool, nodes: fresh.length, pods: placed, waste });
    }

    if (options.length === 0) {
      const t = Date.now();
      for (const p of remaining) {
        const uid = p.metadata?.uid ?? "";
        if (t - (this.#lastNoScaleUp.get(uid) ?? 0) < REPEAT_MS) continue;
        this.#lastNoScaleUp.set(uid, t);
        void this.#events.repeat({
          object: { kind: "Pod", metadata: p.metadata },
          type: "Normal",
          reason: "NotTriggerScaleUp",
          message: notTriggerMessage(perPod.get(p) ?? []),
          source: AUTOSCALER_SOURCE,
        });
      }
      this.#forgetGone(pods);
      return false;
    }

    options.sort((a, b) => a.waste - b.waste || b.pods.length - a.pods.length || a.pool.name.localeCompare(b.pool.name));
    const best = options[0]!;
    const current = this.#fleet.targetSize(best.pool.name);
    const info = scaleUpInfo(best.pool.name, current, current + best.nodes, best.pool.max);
    this.#log(`scale-up: ${info} for ${best.pods.length} pod(s)`);
    const names = this.#fleet.scaleUp(best.pool, best.nodes);
    this.#lastScaleUp = Date.now();
    void this.#statusEvent("ScaledUpGroup", `Scale-up: setting group ${best.pool.name} size to ${current + best.nodes} instead of ${current} (max: ${best.pool.max})`);
    for (const p of best.pods) {
      void this.#events.record({ object: { kind: "Pod", metadata: p.metadata }, type: "Normal", reason: "TriggeredScaleUp", message: `pod triggered scale-up: [${info}]`, source: AUTOSCALER_SOURCE });
    }
    this.#log(`booting ${names.join(", ")}`);
    return true;
  }

  #forgetGone(pods: readonly V1Pod[]): void {
    if (this.#lastNoScaleUp.size < 1000) return;
    const live = new Set(pods.map((p) => p.metadata?.uid));
    for (const uid of this.#lastNoScaleUp.keys()) if (!live.has(uid)) this.#lastNoScaleUp.delete(uid);
  }

  async #scaleDown(pods: readonly V1Pod[]): Promise<void> {
    const t = Date.now();
    // Like --scale-down-delay-after-add: a node just added is not taken away again at once.
    if (t - this.#lastScaleUp < this.#opts.unneededMs) return;
    const busy = new Set(pods.filter(countsForScaleDown).map((p) => p.spec?.nodeName));
    const removing = new Map<string, number>();
    for (const n of this.#fleet.list()) {
      const api = this.#view.node(n.name);
      const ready = api?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      // Nodes of a pool at its minimum are never candidates (cluster-autoscaler: "min size reached").
      if (n.state !== "up" || !api || !ready || busy.has(n.name) || this.#fleet.targetSize(n.pool.name) <= n.pool.min) {
        this.#unneededSince.delete(n.name);
        continue;
      }
      const since = this.#unneededSince.get(n.name);
      if (since === undefined) {
        this.#unneededSince.set(n.name, t);
        continue;
      }
      const pool = n.pool;
      const leaving = removing.get(pool.name) ?? 0;
      if (t - since < this.#opts.unneededMs || this.#fleet.targetSize(pool.name) - leaving <= pool.min) continue;
      removing.set(pool.name, leaving + 1);
      this.#unneededSince.delete(n.name);
      await this.#removeEmpty(api);
    }
  }

  async #removeEmpty(node: V1Node): Promise<void> {
    const name = node.metadata?.name ?? "";
    const taints = [...(node.spec?.taints ?? []), { key: TO_BE_DELETED_TAINT, value: String(Math.floor(Date.now() / 1000)), effect: "NoSchedule" }];
    try {
      // Guarded by resourceVersion: node lifecycle edits taints too, and a stale list would undo its work.
      const body = { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } };
      await this.#kube.limiter.run(() => this.#kube.core.patchNode({ name, body }, mergePatch));
    } catch (err) {
      if (statusOf(err) === 409) return; // changed meanwhile: look again next loop
      void this.#events.record({ object: { kind: "Node", metadata: node.metadata }, type: "Warning", reason: "ScaleDownFailed", message: `failed to mark the node as toBeDeleted/unschedulable: ${(err as Error).message}`, source: AUTOSCALER_SOURCE });
      return;
    }
    this.#log(`scale-down: removing empty node ${name}`);
    void this.#statusEvent("ScaleDownEmpty", `Scale-down: removing empty node "${name}"`);
    void this.#events.record({ object: { kind: "Node", metadata: node.metadata }, type: "Normal", reason: "ScaleDown", message: "marked the node as toBeDeleted/unschedulable", source: AUTOSCALER_SOURCE });
    // A pod may have been bound between our look and the taint: ask the API server, not the cache.
    const onNode = await this.#kube.limiter.run(() => this.#kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` }));
    if (onNode.items.some(countsForScaleDown)) {
      this.#log(`scale-down of ${name} aborted: a pod was bound to it meanwhile`);
      await this.#kube.limiter.run(() => this.#kube.core.patchNode({ name, body: { spec: { taints: node.spec?.taints ?? null } } }, mergePatch)).catch(() => undefined);
      return;
    }
    void this.#events.record({ object: { kind: "Node", metadata: node.metadata }, type: "Normal", reason: "ScaleDown", message: "nodes removed by cluster autoscaler", source: AUTOSCALER_SOURCE });
    await this.#fleet.remove(name);
  }

  #statusEvent(reason: string, message: string): Promise<unknown> {
    if (!this.#statusObject) return Promise.resolve();
    return this.#events.record({ object: this.#statusObject, type: "Normal", reason, message, source: AUTOSCALER_SOURCE });
  }

  #transition(key: string, status: string, at: string): string {
    const prev = this.#transitions.get(key);
    if (prev?.status === status) return prev.since;
    this.#transitions.set(key, { status, since: at });
    return at;
  }

  /** kube-system/cluster-autoscaler-status, rewritten when what it says changes. */
  async #writeStatus(pods: readonly V1Pod[]): Promise<void> {
    const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const counts = (nodes: ReturnType<NodeFleet["list"]>) => {
      const registered = nodes.filter((n) => n.state !== "booting" && n.state !== "deleting");
      const ready = registered.filter((n) => this.#view.node(n.name)?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return { registered: { total: registered.length, ready: ready.length, notStarted: nodes.length - registered.length, unready: { total: registered.length - ready.length } } };
    };
    const nodeGroups = this.#fleet.pools.map((p) => {
      const nodes = this.#fleet.list().filter((n) => n.pool.name === p.name);
      const scaleUp = nodes.some((n) => n.state === "booting") ? "InProgress" : "NoActivity";
      const candidates = nodes.filter((n) => this.#unneededSince.has(n.name)).length;
      return {
        name: p.name,
        health: { status: "Healthy", nodeCounts: counts(nodes), cloudProviderTarget: this.#fleet.targetSize(p.name), minSize: p.min, maxSize: p.max },
        scaleUp: { status: scaleUp, lastTransitionTime: this.#transition(`up/${p.name}`, scaleUp, at) },
        scaleDown: { status: candidates > 0 ? "CandidatesPresent" : "NoCandidates", candidates },
      };
    });
    const all = this.#fleet.list();
    const clusterUp = all.some((n) => n.state === "booting") ? "InProgress" : "NoActivity";
    const body = {
      autoscalerStatus: "Running",
      clusterWide: {
        health: { status: "Healthy", nodeCounts: counts(all) },
        scaleUp: { status: clusterUp, lastTransitionTime: this.#transition("up", clusterUp, at) },
        scaleDown: { status: this.#unneededSince.size > 0 ? "CandidatesPresent" : "NoCandidates", candidates: this.#unneededSince.size },
      },
      nodeGroups,
    };
    const text = stringify(body);
    if (text === this.#statusText && this.#statusObject) return;
    const now = new Date();
    const data = { status: stringify({ time: goTime(now), ...body }) };
    const annotations = { "cluster-autoscaler.kubernetes.io/last-updated": goTime(now) };
    let cm: V1ConfigMap;
    try {
      cm = await this.#kube.limiter.run(() =>
        this.#kube.core.patchNamespacedConfigMap({ name: STATUS_NAME, namespace: STATUS_NAMESPACE, body: { metadata: { annotations }, data } }, mergePatch),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      cm = await this.#kube.limiter.run(() =>
        this.#kube.core.createNamespacedConfigMap({ namespace: STATUS_NAMESPACE, body: { metadata: { name: STATUS_NAME, namespace: STATUS_NAMESPACE, annotations }, data } }),
      );
    }
    this.#statusText = text;
    this.#statusObject = { kind: "ConfigMap", metadata: cm.metadata };
  }
}
