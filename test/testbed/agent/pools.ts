/**
 * Node pools: the machine shapes a bed cluster's "cloud" offers, as cluster-autoscaler sees node
 * groups (min, max, a template node). `up` writes them to `.testbed/clusters.json` and hands each
 * agent its cluster's pools with `--pools`; the agent registers `nodes` Nodes per pool at first
 * start and its autoscaler adds or removes Nodes between `min` and `max`.
 */
import { z } from "zod";
import { UserError } from "../../../src/errors.ts";

/** Every Node of a pool carries this label (value: the pool's name). */
export const POOL_LABEL = "mcks.testbed/pool";
/** The extended resource a GPU pool's nodes offer (the NVIDIA device plugin's name). */
export const GPU_RESOURCE = "nvidia.com/gpu";

const taintSchema = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

const poolSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a lowercase name like \"gpu\""),
    nodes: z.number().int().min(0),
    min: z.number().int().min(0),
    max: z.number().int().min(0).max(50),
    /** Cores per node. */
    cpu: z.number().positive(),
    /** Memory per node as a Kubernetes quantity ("16Gi"). */
    memory: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, "a quantity like \"16Gi\""),
    /** `nvidia.com/gpu` per node. */
    gpu: z.number().int().min(0),
    /** Pods per node (the kubelet's --max-pods; 110 by default there too). */
    pods: z.number().int().min(1).max(1000).default(110),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(taintSchema).default([]),
  })
  .refine((p) => p.min <= p.nodes && p.nodes <= p.max, { message: "needs min <= nodes <= max" });

export type Taint = z.infer<typeof taintSchema>;
export type PoolSpec = z.infer<typeof poolSchema>;

const poolsSchema = z.array(poolSchema).min(1).refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, { message: "pool names must differ" });

function pool(p: z.input<typeof poolSchema>): PoolSpec {
  return poolSchema.parse({ ...p, labels: { [POOL_LABEL]: p.name, ...p.labels } });
}

/** The bed's default pools: `standard` everywhere, plus a `gpu` pool that starts empty on testbed-2. */
export function defaultPools(cluster: number): PoolSpec[] {
  const pools = [pool({ name: "standard", nodes: 2, min: 2, max: 4, cpu: 4, memory: "16Gi", gpu: 0 })];
  if (cluster === 2) {
    pools.push(
      pool({
        name: "gpu",
        nodes: 0,
        min: 0,
        max: 2,
        cpu: 8,
        memory: "32Gi",
        gpu: 1,
        taints: [{ key: GPU_RESOURCE, value: "present", effect: "NoSchedule" }],
      }),
    );
  }
  return pools;
}

/** Validates pools from a file or flag; `where` names the source for the error. */
export function parsePools(raw: unknown, where: string): PoolSpec[] {
  const r = poolsSchema.safeParse(raw);
  if (r.success) return r.data.map((p) => ({ ...p, labels: { [POOL_LABEL]: p.name, ...p.labels } }));
  const issues = r.error.issues.map((i) => `${where}${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`);
  throw new UserError(`invalid node pools in ${where}`, [
    ...issues,
    'each pool is {"name", "nodes", "min", "max", "cpu", "memory", "gpu", "pods"?, "labels"?, "taints"?} with min <= nodes <= max',
  ]);
}
