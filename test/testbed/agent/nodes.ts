/**
 * The Nodes an agent owns: the bed's "cloud" (machines of the pools, booted after a delay when
 * the autoscaler asks, deleted when it scales down) and the node half of each machine's kubelet
 * (registration with capacity, labels and taints; a Lease in kube-node-lease renewed every few
 * seconds; node status with a heartbeat). A node taken down with `fault node-down` stops
 * renewing and posting and its pods' servers stop, as when a VM dies; node lifecycle in the real
 * kube-controller-manager then marks it NotReady and taint eviction removes its pods.
 */
import { randomBytes } from "node:crypto";
import type { V1Node, V1NodeCondition, V1Taint } from "@kubernetes/client-node";
import type { NodeShape } from "./fit.ts";
import type { IpPool } from "./ip-pool.ts";
import { mergePatch, statusOf } from "./kube.ts";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";
import { now } from "./pod-status.ts";
import { GPU_RESOURCE, POOL_LABEL, type PoolSpec } from "./pools.ts";
import { resourceAmount } from "./quantity.ts";

export type NodeState = "booting" | "up" | "down" | "deleting";

export interface FleetNode {
  readonly name: string;
  readonly pool: PoolSpec;
  readonly ipIndex: number;
  readonly ip: string;
  state: NodeState;
  uid?: string;
  /** When the machine was asked for (booting) or adopted. */
  readonly since: number;
  /** Ready condition's lastTransitionTime, kept stable across heartbeats. */
  readyTransition: string;
  lastStatus: number;
}

export interface FleetOptions {
  /** `testbed-N`: prefix of node names, and the zone `testbed-N-a`. */
  readonly clusterName: string;
  readonly pools: readonly PoolSpec[];
  readonly ips: IpPool;
  readonly bootSeconds: number;
  readonly leaseRenewSeconds: number;
  readonly kubeletVersion: string;
}

export interface FleetHooks {
  /** A node runs (registered, or back after node-down): its kubelet takes up the pods bound to it. */
  nodeUp(name: string): void;
  /** A node stopped (node-down, deleted): its pods' servers stop, nothing is written about them. */
  nodeDown(name: string): void;
}

/** How long a kubelet's Lease is valid (kubelet default) and how often status is re-posted unchanged. */
const LEASE_DURATION_SECONDS = 40;
const STATUS_REPORT_MS = 60_000;

export const zoneOf = (clusterName: string): string => `${clusterName}-a`;

function instanceType(p: PoolSpec): string {
  return `testbed-${p.cpu}cpu-${p.memory.toLowerCase()}${p.gpu > 0 ? `-${p.gpu}gpu` : ""}`;
}

/** Capacity (= allocatable: the bed reserves nothing for system daemons) of a pool's node. */
export function poolResources(p: PoolSpec): Record<string, string> {
  return {
    cpu: String(p.cpu),
    memory: p.memory,
    pods: String(p.pods),
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    ...(p.gpu > 0 ? { [GPU_RESOURCE]: String(p.gpu) } : {}),
  };
}

export function poolLabels(clusterName: string, p: PoolSpec, nodeName: string): Record<string, string> {
  return {
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "node.kubernetes.io/instance-type": instanceType(p),
    "topology.kubernetes.io/region": "testbed",
    "topology.kubernetes.io/zone": zoneOf(clusterName),
    ...p.labels,
  };
}

/** The node a pool would add, as cluster-autoscaler's template node: what the scheduler would see once it is Ready. */
export function templateNode(clusterName: string, p: PoolSpec): NodeShape {
  const name = `${clusterName}-${p.name}-template`;
  const allocatable: Record<string, number> = {};
  for (const [k, v] of Object.entries(poolResources(p))) allocatable[k] = resourceAmount(k, v);
  return { name, labels: poolLabels(clusterName, p, name), taints: p.taints, allocatable };
}

/** The scheduler's view of a registered Node. */
export function shapeOf(node: V1Node): NodeShape {
  const allocatable: Record<string, number> = {};
  for (const [k, v] of Object.entries(node.status?.allocatable ?? {})) allocatable[k] = resourceAmount(k, v);
  return {
    name: node.metadata?.name ?? "",
    labels: node.metadata?.labels ?? {},
    taints: node.spec?.taints ?? [],
    allocatable,
    unschedulable: node.spec?.unschedulable === true,
  };
}

const suffix = (): string => Array.from(randomBytes(5), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");

/** Microsecond RFC 3339, as Lease.spec.renewTime (a MicroTime) is written by kubelets. */
const microTime = (): string => new Date().toISOString().replace(/Z$/, "000Z");

export class NodeFleet {
  readonly #kube: Kube;
  readonly #opts: FleetOptions;
  readonly #log: Log;
  readonly #hooks: FleetHooks;
  readonly #nodes = new Map<string, FleetNode>();
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(kube: Kube, opts: FleetOptions, hooks: FleetHooks, log: Log) {
    this.#kube = kube;
    this.#opts = opts;
    this.#hooks = hooks;
    this.#log = log;
  }

  get pools(): readonly PoolSpec[] {
    return this.#opts.pools;
  }

  get clusterName(): string {
    return this.#opts.clusterName;
  }

  owns(name: string | undefined): boolean {
    return name !== undefined && this.#nodes.has(name);
  }

  get(name: string): FleetNode | undefined {
    return this.#nodes.get(name);
  }

  isUp(name: string | undefined): boolean {
    return name !== undefined && this.#nodes.get(name)?.state === "up";
  }

  list(): FleetNode[] {
    return [...this.#nodes.values()];
  }

  /** Machines of a pool the cloud has or is booting (cluster-autoscaler's target size). */
  targetSize(pool: string): number {
    return this.list().filter((n) => n.pool.name === pool && n.state !== "deleting").length;
  }

  /**
   * Adopts the pools' Nodes already in the cluster (an agent restart), registers `nodes` of each
   * pool that has none yet (the first start) and tops every pool up to its minimum.
   */
  async start(existing: readonly V1Node[]): Promise<void> {
    for (const node of existing) {
      const name = node.metadata?.name ?? "";
      const pool = this.#opts.pools.find((p) => p.name === node.metadata?.labels?.[POOL_LABEL]);
      if (!pool || !name.startsWith(`${this.#opts.clusterName}-`)) continue;
      const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      this.#add(name, pool, ip);
    }
    for (const pool of this.#opts.pools) {
      const have = this.targetSize(pool.name);
      const want = have === 0 ? pool.nodes : Math.max(have, pool.min);
      for (let i = have; i < want; i++) this.#add(this.#freeName(pool, i), pool);
    }
    await Promise.all(this.list().map((n) => this.#boot(n)));
    this.#timer = setInterval(() => void this.#heartbeat(), this.#opts.leaseRenewSeconds * 1000);
    this.#timer.unref();
  }

  /** Orders `count` machines of `pool`; each registers its Node after the boot delay. Returns their names. */
  scaleUp(pool: PoolSpec, count: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.#add(`${this.#opts.clusterName}-${pool.name}-${suffix()}`, pool, undefined, "booting");
      names.push(n.name);
      setTimeout(() => {
        if (n.state === "booting") void this.#boot(n).catch((err: unknown) => this.#log(`node ${n.name} did not register: ${(err as Error).message}`));
      }, this.#opts.bootSeconds * 1000).unref();
    }
    return names;
  }

  /** The machine is gone: its kubelet stops and its Node object is deleted (as a cloud's node controller would). */
  async remove(name: string): Promise<void> {
    const n = this.#nodes.get(name);
    if (!n || n.state === "deleting") return;
    n.state = "deleting";
    this.#hooks.nodeDown(name);
    try {
      await this.#kube.limiter.run(() => this.#kube.core.deleteNode({ name }));
    } catch (err) {
      if (statusOf(err) !== 404) {
        this.#log(`could not delete node ${name}: ${(err as Error).message}`);
        return;
      }
    }
    this.#nodes.delete(name);
    this.#log(`node ${name} removed`);
  }

  /** `fault node-down`: the machine dies; nothing about it or its pods is written any more. */
  down(name: string): void {
    const n = this.#mustGet(name);
    if (n.state !== "up") throw new Error(`node ${name} is ${n.state}, not up`);
    n.state = "down";
    this.#hooks.nodeDown(name);
    this.#log(`node ${name} is down (fault)`);
  }

  /** `fault node-up`: the machine is back; its kubelet posts status and takes up its pods again. */
  async up(name: string): Promise<void> {
    const n = this.#mustGet(name);
    if (n.state !== "down") throw new Error(`node ${name} is ${n.state}, not down`);
    n.readyTransition = now();
    await this.#boot(n);
    this.#log(`node ${name} is up again (fault)`);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #mustGet(name: string): FleetNode {
    const n = this.#nodes.get(name);
    if (!n) throw new Error(`node ${name} does not belong to this agent (it has: ${[...this.#nodes.keys()].join(", ") || "none"})`);
    return n;
  }

  #freeName(pool: PoolSpec, from: number): string {
    for (let i = from; ; i++) {
      const name = `${this.#opts.clusterName}-${pool.name}-${i}`;
      if (!this.#nodes.has(name)) return name;
    }
  }

  #add(name: string, pool: PoolSpec, ip?: string, state: NodeState = "booting"): FleetNode {
    const taken = new Set(this.list().map((n) => n.ipIndex));
    // An adopted node keeps its address when it is one of ours and free.
    let ipIndex = this.#opts.ips.nodeIndex(ip) ?? 0;
    if (taken.has(ipIndex)) ipIndex = 0;
    for (let k = 1; ipIndex === 0 && k <= 254; k++) if (!taken.has(k)) ipIndex = k;
    if (ipIndex === 0) throw new Error(`no node address left: ${this.#opts.clusterName} already has 254 nodes`);
    const n: FleetNode = { name, pool, ipIndex, ip: this.#opts.ips.nodeIp(ipIndex), state, since: Date.now(), readyTransition: now(), lastStatus: 0 };
    this.#nodes.set(name, n);
    return n;
  }

  /** The status a kubelet posts: capacity, addresses, node info and Ready conditions. */
  #status(n: FleetNode): Record<string, unknown> {
    const resources = poolResources(n.pool);
    return {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: "InternalIP", address: n.ip },
        { type: "Hostname", address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: n.name,
        systemUUID: n.name,
        bootID: `${n.since}`,
        kernelVersion: "testbed",
        osImage: "multicluster-kubespawner test bed",
        containerRuntimeVersion: "testbed://0.2.0",
        kubeletVersion: this.#opts.kubeletVersion,
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: "amd64",
      },
      conditions: this.#conditions(n),
    };
  }

  /**
   * Registers the Node with its status in one create, as a kubelet does (or keeps the one there and
   * posts the status), renews its Lease, then hands it to the kubelet.
   */
  async #boot(n: FleetNode): Promise<void> {
    const { clusterName } = this.#opts;
    const body = {
      metadata: {
        name: n.name,
        labels: poolLabels(clusterName, n.pool, n.name),
        annotations: { "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
      },
      spec: { providerID: `testbed://${clusterName}/${n.pool.name}/${n.name}`, ...(n.pool.taints.length ? { taints: n.pool.taints as V1Taint[] } : {}) },
      status: this.#status(n),
    } as V1Node;
    let node: V1Node;
    try {
      node = await this.#kube.limiter.run(() => this.#kube.core.createNode({ body }));
      n.lastStatus = Date.now();
      this.#log(`registered node ${n.name} (pool ${n.pool.name}, ${n.ip})`);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      node = await this.#kube.limiter.run(() => this.#kube.core.readNode({ name: n.name }));
      await this.#postStatus(n, this.#status(n));
    }
    n.uid = node.metadata?.uid;
    await this.#renewLease(n);
    n.state = "up";
    this.#hooks.nodeUp(n.name);
  }

  #conditions(n: FleetNode): V1NodeCondition[] {
    const time = now();
    const c = (type: string, status: string, reason: string, message: string) =>
      ({ type, status, reason, message, lastHeartbeatTime: time, lastTransitionTime: n.readyTransition }) as unknown as V1NodeCondition;
    return [
      c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ];
  }

  /** Posts `status` (by default only fresh conditions, the heartbeat). */
  async #postStatus(n: FleetNode, status: Record<string, unknown> = { conditions: this.#conditions(n) }): Promise<void> {
    await this.#kube.limiter.run(() => this.#kube.core.patchNodeStatus({ name: n.name, body: { status } }, mergePatch));
    n.lastStatus = Date.now();
  }

  async #renewLease(n: FleetNode): Promise<void> {
    const name = n.name;
    const namespace = "kube-node-lease";
    try {
      await this.#kube.limiter.run(() =>
        this.#kube.coordination.patchNamespacedLease({ name, namespace, body: { spec: { holderIdentity: name, renewTime: microTime() } } }, mergePatch),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      await this.#kube.limiter.run(() =>
        this.#kube.coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace, ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: n.uid ?? "" }] },
            spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime() as unknown as Date },
          },
        }),
      );
    }
  }

  /** One tick: every running node renews its Lease, and re-posts status when it is due. */
  async #heartbeat(): Promise<void> {
    if (this.#renewing) return; // the API server is slow: do not pile ticks up
    this.#renewing = true;
    try {
      await Promise.all(
        this.list()
          .filter((n) => n.state === "up")
          .map(async (n) => {
            try {
              await this.#renewLease(n);
              if (Date.now() - n.lastStatus >= STATUS_REPORT_MS) await this.#postStatus(n);
            } catch (err) {
              // The Node was deleted behind our back: a kubelet registers it again.
              if (statusOf(err) === 404 && n.state === "up") await this.#boot(n).catch(() => undefined);
              else this.#log(`heartbeat of node ${n.name} failed: ${(err as Error).message}`);
            }
          }),
      );
    } finally {
      this.#renewing = false;
    }
  }
}
