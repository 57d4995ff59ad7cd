/**
 * The cluster-autoscaler stand-in on testbed-2, whose `gpu` pool starts empty (min 0, max 2, one
 * GPU per node, tainted): a one-GPU pod the real scheduler cannot place triggers a scale-up 0 → 1
 * and runs on the new node; a four-GPU pod fits no pool and gets NotTriggerScaleUp with the
 * per-pool reasons; once the node is empty for the unneeded time it is removed again. Events and
 * messages are cluster-autoscaler's.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { agentTarget, condition, getJson, kc, podEvents, podManifest, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
const id = process.pid;
const one = `gpu-one-${id}`;
const four = `gpu-four-${id}`;

const gpuSpec = "\n  nodeSelector: { mcks.testbed/pool: gpu }\n  tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]";
const gpus = (n: number) => `\n      resources: { limits: { nvidia.com/gpu: ${n} } }`;

function gpuNodes(): V1Node[] {
  const list = JSON.parse(kc(t, ["get", "nodes", "-l", "mcks.testbed/pool=gpu", "-o", "json"])) as { items: V1Node[] };
  return list.items;
}

before(async () => {
  t = await agentTarget();
  // Another run may have left a GPU node that is still being scaled down.
  await waitFor("testbed-2's gpu pool to be empty", () => (gpuNodes().length === 0 ? true : undefined), 120_000, 1000);
});

after(() => {
  if (t) kc(t, ["delete", "pod", one, four, "--ignore-not-found", "--wait=false"]);
});

describe("autoscaler on testbed-2", () => {
  let node = "";

  test("a one-GPU pod: FailedScheduling, TriggeredScaleUp 0 → 1, a gpu node joins and runs it", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(one, "testbed/singleuser:latest", gpus(1), gpuSpec));
    const triggered = await waitFor("TriggeredScaleUp", () => podEvents(t, one).find((e) => e.reason === "TriggeredScaleUp"), 30_000, 250);
    assert.equal(triggered.message, "pod triggered scale-up: [{gpu 0->1 (max: 2)}]");
    assert.equal(triggered.source?.component, "cluster-autoscaler");
    assert.equal(triggered.type, "Normal");
    // The scheduler said no first; its event may be written after the autoscaler's.
    const failed = await waitFor("the scheduler's FailedScheduling", () => podEvents(t, one).find((e) => e.reason === "FailedScheduling"), 30_000, 250);
    assert.match(failed.message, /^0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector/);

    const running = await waitFor("pod Running on the new node", () => {
      const p = getJson<V1Pod>(t, `pod/${one}`);
      return p && condition(p, "Ready")?.status === "True" ? p : undefined;
    }, 60_000, 250);
    node = running.spec?.nodeName ?? "";
    assert.match(node, /^testbed-2-gpu-[a-z0-9]{5}$/);
    const n = getJson<V1Node>(t, `node/${node}`, "")!;
    assert.equal(n.metadata?.labels?.["mcks.testbed/pool"], "gpu");
    assert.equal(n.status?.allocatable?.["nvidia.com/gpu"], "1");
    assert.equal(n.status?.allocatable?.cpu, "8");
    assert.deepEqual(n.spec?.taints?.map((x) => `${x.key}=${x.value}:${x.effect}`), ["nvidia.com/gpu=present:NoSchedule"]);
    assert.equal(gpuNodes().length, 1, "one node added, not more");
    const status = kc(t, ["-n", "kube-system", "get", "events", "--field-selector", "involvedObject.name=cluster-autoscaler-status", "-o", "json"]);
    assert.ok(
      (JSON.parse(status) as { items: { reason: string; message: string }[] }).items.some(
        (e) => e.reason === "ScaledUpGroup" && e.message === "Scale-up: setting group gpu size to 1 instead of 0 (max: 2)",
      ),
      "ScaledUpGroup on the status ConfigMap",
    );
  });

  test("a four-GPU pod fits no pool: NotTriggerScaleUp with each pool's reason, and no node", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(four, "testbed/singleuser:latest", gpus(4), gpuSpec));
    const ev = await waitFor("NotTriggerScaleUp", () => podEvents(t, four).find((e) => e.reason === "NotTriggerScaleUp"), 30_000, 250);
    assert.equal(ev.message, "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 Insufficient nvidia.com/gpu");
    assert.equal(ev.source?.component, "cluster-autoscaler");
    assert.equal(podEvents(t, four).some((e) => e.reason === "TriggeredScaleUp"), false);
    const p = getJson<V1Pod>(t, `pod/${four}`)!;
    assert.equal(condition(p, "PodScheduled")?.reason, "Unschedulable");
    assert.equal(gpuNodes().length, 1);
    // While it stays, the same event is counted up, not repeated (client-go's aggregation).
    await waitFor("the event counted again", () => ((podEvents(t, four).find((e) => e.reason === "NotTriggerScaleUp")?.count ?? 0) > 1 ? true : undefined), 30_000, 500);
    assert.equal(podEvents(t, four).filter((e) => e.reason === "NotTriggerScaleUp").length, 1);
  });

  test("the empty gpu node is removed after the unneeded time, as the pool's min is 0", async () => {
    assert.ok(node, "the scale-up test ran");
    kc(t, ["delete", "pod", one, four, "--wait=false"]);
    await waitFor(`node ${node} removed`, () => (getJson(t, `node/${node}`, "") === undefined ? true : undefined), 120_000, 1000);
    const scaleDown = () => podEvents(t, node).filter((e) => e.involvedObject.kind === "Node" && e.reason === "ScaleDown").map((e) => e.message).sort();
    const ev = await waitFor("both ScaleDown events", () => (scaleDown().length >= 2 ? scaleDown() : undefined), 30_000, 250).catch(() => scaleDown());
    assert.deepEqual(ev, ["marked the node as toBeDeleted/unschedulable", "nodes removed by cluster autoscaler"]);
    assert.equal(gpuNodes().length, 0);
  });
});
