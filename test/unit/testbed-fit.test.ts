/**
 * The test bed autoscaler's pure parts: the scheduler filters it runs against a pool's template
 * node (reasons worded and ordered like the real plugins), pod requests as the scheduler counts
 * them, quantities, the NotTriggerScaleUp message, and pool validation.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { notTriggerMessage, scaleUpInfo } from "../testbed/agent/autoscaler.ts";
import { filterReasons, matchesNodeAffinity, podRequests } from "../testbed/agent/fit.ts";
import { templateNode } from "../testbed/agent/nodes.ts";
import { defaultPools, parsePools } from "../testbed/agent/pools.ts";
import { parseQuantity } from "../testbed/agent/quantity.ts";

const [standard, gpu] = defaultPools(2) as [ReturnType<typeof defaultPools>[number], ReturnType<typeof defaultPools>[number]];
const std = templateNode("testbed-2", standard);
const gpuNode = templateNode("testbed-2", gpu);

function pod(spec: Partial<NonNullable<V1Pod["spec"]>> = {}, resources?: Record<string, Record<string, string>>): V1Pod {
  return { metadata: { name: "p" }, spec: { containers: [{ name: "notebook", image: "x", ...(resources ? { resources } : {}) }], ...spec } };
}

const toGpu = { nodeSelector: { "mcks.testbed/pool": "gpu" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] };

describe("scheduler filters on template nodes", () => {
  test("a plain pod fits a standard node, not a gpu node (untolerated taint comes before affinity)", () => {
    assert.deepEqual(filterReasons(pod(), std, {}), []);
    assert.deepEqual(filterReasons(pod(), gpuNode, {}), ["node(s) had untolerated taint(s)"]);
  });

  test("a one-GPU pod with toleration and selector fits only the gpu pool", () => {
    const p = pod(toGpu, { limits: { "nvidia.com/gpu": "1" } });
    assert.deepEqual(filterReasons(p, gpuNode, {}), []);
    assert.deepEqual(filterReasons(p, std, {}), ["node(s) didn't match Pod's node affinity/selector"]);
    assert.deepEqual(filterReasons(p, gpuNode, { "nvidia.com/gpu": 1, pods: 1 }), ["Insufficient nvidia.com/gpu"]);
  });

  test("resource reasons come in the plugin's order: pods, cpu, memory, extended", () => {
    const p = pod({}, { requests: { cpu: "5", memory: "20Gi", "nvidia.com/gpu": "1" } });
    assert.deepEqual(filterReasons(p, std, { pods: 110 }), ["Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient nvidia.com/gpu"]);
  });

  test("required node affinity: terms ORed, expressions ANDed, operators", () => {
    const node = { name: "n1", labels: { zone: "a", size: "8" } };
    const aff = (...terms: object[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    assert.equal(matchesNodeAffinity(aff({ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }, { matchExpressions: [{ key: "size", operator: "Gt", values: ["4"] }] }), node), true);
    assert.equal(matchesNodeAffinity(aff({ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, { key: "gpu", operator: "Exists" }] }), node), false);
    assert.equal(matchesNodeAffinity(aff({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }), node), true);
    assert.equal(matchesNodeAffinity(aff({}), node), false, "an empty term matches nothing");
  });
});

describe("pod requests", () => {
  test("limits stand in for missing requests; init containers count as their peak; sidecars add up", () => {
    const p: V1Pod = {
      spec: {
        containers: [{ name: "a", resources: { limits: { cpu: "500m", memory: "1Gi" } } }],
        initContainers: [
          { name: "side", restartPolicy: "Always", resources: { requests: { cpu: "100m" } } },
          { name: "init", resources: { requests: { cpu: "2", memory: "64Mi" } } },
        ],
      },
    };
    assert.deepEqual(podRequests(p), { cpu: 2100, memory: 2 ** 30, pods: 1 });
  });

  test("quantities", () => {
    assert.equal(parseQuantity("100m"), 0.1);
    assert.equal(parseQuantity("64Mi"), 64 * 2 ** 20);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity("1.5G"), 1.5e9);
    assert.ok(Number.isNaN(parseQuantity("lots")));
  });
});

describe("cluster-autoscaler wording", () => {
  test("NotTriggerScaleUp counts each reason over the pools", () => {
    assert.equal(
      notTriggerMessage([["node(s) didn't match Pod's node affinity/selector"], ["Insufficient nvidia.com/gpu"]]),
      "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 Insufficient nvidia.com/gpu",
    );
    assert.equal(notTriggerMessage([["max node group size reached"], ["max node group size reached"]]), "pod didn't trigger scale-up: 2 max node group size reached");
    assert.equal(scaleUpInfo("gpu", 0, 1, 2), "{gpu 0->1 (max: 2)}");
  });
});

describe("pools", () => {
  test("defaults: standard everywhere, an empty tainted gpu pool on testbed-2", () => {
    assert.deepEqual(defaultPools(1).map((p) => p.name), ["standard"]);
    assert.deepEqual({ nodes: gpu.nodes, min: gpu.min, max: gpu.max, gpu: gpu.gpu, labels: gpu.labels }, { nodes: 0, min: 0, max: 2, gpu: 1, labels: { "mcks.testbed/pool": "gpu" } });
    assert.deepEqual(standard.labels, { "mcks.testbed/pool": "standard" });
  });

  test("bad pools get one error naming the field", () => {
    assert.throws(() => parsePools([{ name: "x", nodes: 3, min: 0, max: 2, cpu: 1, memory: "1Gi", gpu: 0 }], "f.json"), /invalid node pools in f\.json/);
    assert.throws(
      () => parsePools([{ name: "x", nodes: 1, min: 0, max: 2, cpu: 1, memory: "lots", gpu: 0 }], "f.json"),
      (e: Error & { details?: string[] }) => (e.details ?? []).some((d) => d.startsWith("f.json[0].memory:")),
    );
  });
});
