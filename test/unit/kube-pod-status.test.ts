/** Pod + events → the hub's view (ready / failed with the Kubernetes reason / progress). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverStatus, type EventLike, type PodLike } from "../../src/kube/pod-status.ts";

function pod(status: PodLike["status"] = {}, extra: Partial<PodLike["metadata"]> = {}, nodeName?: string): PodLike {
  return {
    metadata: { name: "jupyter-alice", namespace: "default", uid: "u1", labels: { "mcks.hub.jupyter.org/key": "jupyter-alice" }, ...extra },
    spec: { nodeName, containers: [{ name: "notebook", image: "img" }] },
    status,
  };
}

function event(reason: string, message: string, name = reason): EventLike {
  return { metadata: { name }, involvedObject: { kind: "Pod", name: "jupyter-alice", uid: "u1" }, reason, message };
}

const waiting = (reason: string, message: string) => ({
  phase: "Pending",
  containerStatuses: [{ name: "notebook", state: { waiting: { reason, message } } }],
});

describe("serverStatus", () => {
  test("a fresh pod is pending at 10%", () => {
    const s = serverStatus(pod());
    assert.equal(s.phase, "pending");
    assert.equal(s.key, "jupyter-alice");
    assert.deepEqual(s.progress, { progress: 10, message: "Pod created, waiting to be scheduled" });
    assert.equal(s.failure, undefined);
  });

  test("events move the progress forward, never backwards", () => {
    const p = pod({ phase: "Pending" }, {}, "node-1");
    assert.equal(serverStatus(p).progress.progress, 30);
    const s = serverStatus(p, [event("Pulled", 'Successfully pulled image "img"'), event("Pulling", 'Pulling image "img"')]);
    assert.deepEqual(s.progress, { progress: 60, message: 'Successfully pulled image "img"' });
  });

  test("Ready condition true → ready", () => {
    const s = serverStatus(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }], podIP: "10.0.0.5" }, {}, "n"));
    assert.equal(s.phase, "ready");
    assert.equal(s.ready, true);
    assert.equal(s.podIP, "10.0.0.5");
    assert.equal(s.progress.progress, 90);
  });

  const fatal: [string, PodLike["status"], string][] = [
    ["ErrImagePull", waiting("ErrImagePull", "pull access denied"), "container notebook: pull access denied"],
    ["ImagePullBackOff", waiting("ImagePullBackOff", "Back-off pulling image"), "container notebook: Back-off pulling image"],
    ["InvalidImageName", waiting("InvalidImageName", 'couldn\'t parse image name "A:B:C"'), 'container notebook: couldn\'t parse image name "A:B:C"'],
    ["CrashLoopBackOff", { phase: "Running", containerStatuses: [{ name: "notebook", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s" } } }] }, "container notebook: back-off 10s"],
  ];
  for (const [reason, status, message] of fatal) {
    test(`${reason} is a failure with the Kubernetes reason and message`, () => {
      const s = serverStatus(pod(status));
      assert.equal(s.phase, "failed");
      assert.deepEqual(s.failure, { reason, message });
      assert.equal(s.progress.message, `${reason}: ${message}`);
    });
  }

  test("no node is not a failure: the pod waits for a node, in the scheduler's words", () => {
    const s = serverStatus(pod({ phase: "Pending" }), [event("FailedScheduling", "0/3 nodes are available: insufficient cpu")]);
    assert.equal(s.failure, undefined);
    assert.equal(s.phase, "pending");
    assert.deepEqual(s.progress, { progress: 12, message: "Waiting for a node: 0/3 nodes are available: insufficient cpu" });
    const cond = serverStatus(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available" }] }));
    assert.equal(cond.failure, undefined);
    assert.equal(cond.progress.message, "Waiting for a node: 0/1 nodes are available");
  });

  test("a failed start is not the end of a Pod: only phase Failed or Succeeded is (a running server's crash loop is restarted in place)", () => {
    const crashLoop = { phase: "Running", containerStatuses: [{ name: "notebook", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 20s" } } }] };
    assert.equal(serverStatus(pod(crashLoop)).ended, false);
    assert.equal(serverStatus(pod(waiting("ErrImagePull", "denied"))).ended, false);
    assert.equal(serverStatus(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] })).ended, false);
    assert.equal(serverStatus(pod({ phase: "Succeeded" })).ended, true);
    assert.equal(serverStatus(pod({ phase: "Failed", reason: "Evicted", message: "low on memory" })).ended, true);
  });

  test("a transient waiting reason is not a failure", () => {
    assert.equal(serverStatus(pod(waiting("ContainerCreating", ""))).failure, undefined);
  });

  test("a deleting pod is terminating, not failed", () => {
    const s = serverStatus(pod(waiting("ErrImagePull", "x"), { deletionTimestamp: "2026-01-01T00:00:00Z" }));
    assert.equal(s.phase, "terminating");
    assert.equal(s.failure, undefined);
  });

  test("a completed pod reports its exit code", () => {
    const s = serverStatus(pod({ phase: "Succeeded", containerStatuses: [{ name: "notebook", state: { terminated: { exitCode: 0 } } }] }));
    assert.equal(s.phase, "succeeded");
    assert.equal(s.exitCode, 0);
  });

  test("a start is complete once its Pod got past Pending, whatever became of it since", () => {
    assert.equal(serverStatus(pod()).started, false);
    assert.equal(serverStatus(pod(waiting("ImagePullBackOff", "back-off"))).started, false, "never ran");
    assert.equal(serverStatus(pod({ phase: "Pending" }, {}, "node-1")).started, false, "scheduled, not running");
    assert.equal(serverStatus(pod({ phase: "Running" })).started, true, "running, not yet ready");
    assert.equal(serverStatus(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] })).started, true);
    assert.equal(serverStatus(pod({ phase: "Succeeded" })).started, true);
    assert.equal(serverStatus(pod({ phase: "Failed", reason: "Evicted" })).started, true);
  });

  test("the owner's uid comes from the Pod's ownerReferences, by the key's name", () => {
    const ref = (name: string, uid: string, kind = "Secret") => ({ apiVersion: "v1", kind, name, uid });
    assert.equal(serverStatus(pod()).ownerUid, undefined);
    assert.equal(serverStatus(pod({}, { ownerReferences: [ref("jupyter-alice", "s1")] })).ownerUid, "s1");
    assert.equal(serverStatus(pod({}, { ownerReferences: [ref("other", "s2"), ref("jupyter-alice", "s3", "ConfigMap")] })).ownerUid, undefined);
  });

  test("why a pod ended: the DisruptionTarget condition, a failure, or a plain deletion", () => {
    const ended = (status: PodLike["status"], deleting = true) =>
      serverStatus(pod(status, deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}, "node-7")).endReason;
    const target = (reason: string, message: string) => ({ phase: "Running", conditions: [{ type: "DisruptionTarget", status: "True", reason, message }] });
    assert.equal(
      ended(target("DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")),
      "its node node-7 became unreachable or not ready, and Kubernetes evicted it (Taint manager: deleting due to NoExecute taint)",
    );
    assert.equal(ended(target("EvictionByEvictionAPI", "Eviction API: evicting")), "it was evicted through the Eviction API (a node drain or another disruption) (Eviction API: evicting)");
    assert.equal(ended({ phase: "Running" }), "its Pod was deleted");
    assert.equal(ended({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }, false), "Evicted: The node was low on resource: memory.");
    assert.equal(ended({ phase: "Running" }, false), undefined);
  });
});
