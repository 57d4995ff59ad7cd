/**
 * What an unscheduled Pod waits for (a node, a scale-up, a volume), what the hub's user reads
 * meanwhile, and when the wait is over: cluster-autoscaler's and the scheduler's own messages,
 * timed by when the daemon saw them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EventLike, PodLike } from "../../src/kube/pod-status.ts";
import { serverStatus } from "../../src/kube/pod-status.ts";
import {
  describeScaleUps,
  NO_SCALE_UP_SETTLE_MS,
  parseScaleUpGroups,
  schedulingVerdict,
  waitingMessage,
  waitingOf,
  type PodContext,
} from "../../src/kube/pod-waiting.ts";

const SCHED = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
const UP = "pod triggered scale-up: [{gpu 0->1 (max: 2)}]";
const NO = "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 Insufficient nvidia.com/gpu";

function pod(opts: { nodeName?: string; claims?: string[]; unschedulableSince?: string } = {}): PodLike {
  return {
    metadata: { name: "jupyter-alice", namespace: "default", uid: "u1", labels: { "mcks.hub.jupyter.org/key": "jupyter-alice" } },
    spec: {
      nodeName: opts.nodeName,
      containers: [{ name: "notebook" }],
      volumes: (opts.claims ?? []).map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
    },
    status: {
      phase: "Pending",
      conditions: opts.unschedulableSince
        ? [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: SCHED, lastTransitionTime: opts.unschedulableSince }]
        : [],
    },
  };
}

function ev(reason: string, message: string, firstSeen: number, lastSeen = firstSeen): EventLike {
  return { metadata: { name: `${reason}-${firstSeen}` }, involvedObject: { kind: "Pod", name: "jupyter-alice", uid: "u1" }, reason, message, firstSeen, lastSeen };
}

/** A claim's events, as the watch keeps them. */
const claimEv = (claim: string, reason: string, at: number, message = reason): EventLike => ({
  metadata: { name: `${claim}.${reason}-${at}` },
  involvedObject: { kind: "PersistentVolumeClaim", name: claim },
  reason,
  message,
  lastSeen: at,
});
const claims = (c: Record<string, EventLike[]>): PodContext => ({ cluster: "eu", claimEvents: (_ns, name) => c[name] ?? [] });

describe("what an unscheduled pod waits for", () => {
  test("nothing yet, or scheduled: no wait", () => {
    assert.equal(waitingOf(pod(), []), undefined);
    assert.equal(waitingOf(pod({ nodeName: "n1" }), [ev("FailedScheduling", SCHED, 1000)]), undefined);
  });

  test("the scheduler's no, and no autoscaler: waiting for a node since the first FailedScheduling", () => {
    // The message seen last is the scheduler's current word; the wait counts from its first no.
    const w = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000, 4000), ev("FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", 5000)]);
    assert.deepEqual(w, { for: "node", since: 1000, scheduler: "0/3 nodes are available: 3 Insufficient cpu." });
  });

  test("only the condition (its event missed): timed from the condition's transition", () => {
    const w = waitingOf(pod({ unschedulableSince: "2026-01-01T00:00:00Z" }), []);
    assert.deepEqual(w, { for: "node", since: Date.parse("2026-01-01T00:00:00Z"), scheduler: SCHED });
  });

  test("TriggeredScaleUp: a scale-up, with its node groups", () => {
    const w = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("TriggeredScaleUp", UP, 3000)]);
    assert.deepEqual(w, { for: "scale-up", since: 3000, scheduler: SCHED, groups: [{ group: "gpu", from: 0, to: 1, max: 2 }], autoscaler: UP });
  });

  test("NotTriggerScaleUp: no scale-up, counted from when it replaced the last yes", () => {
    assert.deepEqual(waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("NotTriggerScaleUp", NO, 3000, 13_000)]), {
      for: "no-scale-up",
      since: 3000,
      scheduler: SCHED,
      autoscaler: NO,
    });
    const flip = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("NotTriggerScaleUp", NO, 2000, 20_000), ev("TriggeredScaleUp", UP, 5000)]);
    assert.equal(flip?.for, "no-scale-up");
    assert.equal(flip?.for === "no-scale-up" && flip.since, 5000);
    const yes = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("NotTriggerScaleUp", NO, 2000), ev("TriggeredScaleUp", UP, 5000)]);
    assert.equal(yes?.for, "scale-up");
  });

  test("a volume: a claim whose provisioning is under way, an Immediate one the scheduler waits for", () => {
    const ctx = claims({
      home: [claimEv("home", "WaitForFirstConsumer", 1000), claimEv("home", "ExternalProvisioning", 2000), claimEv("home", "Provisioning", 2500)],
      data: [claimEv("data", "ExternalProvisioning", 1000), claimEv("data", "ProvisioningSucceeded", 1500)],
    });
    assert.deepEqual(waitingOf(pod({ claims: ["data", "home"] }), [], ctx), { for: "volume", claim: "home" });
    // WaitForFirstConsumer as the last word: the scheduler has not chosen a node yet, or no node fits (then that is the wait).
    const wffc = claims({ home: [claimEv("home", "WaitForFirstConsumer", 1000)] });
    assert.equal(waitingOf(pod({ claims: ["home"] }), [], wffc), undefined);
    assert.equal(waitingOf(pod({ claims: ["home"] }), [ev("FailedScheduling", SCHED, 1000)], wffc)?.for, "node");
    const immediate = "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
    assert.deepEqual(waitingOf(pod({ claims: ["home"] }), [ev("FailedScheduling", immediate, 1000)], wffc), { for: "volume", claim: "home" });
    // Events of other kinds on the claim say nothing about its volume.
    const other = claims({ home: [claimEv("home", "Provisioning", 1000), claimEv("home", "ProvisioningSucceeded", 2000), claimEv("home", "Resizing", 3000)] });
    assert.equal(waitingOf(pod({ claims: ["home"] }), [], other), undefined);
  });

  test("a provisioner that failed and retries: its complaint is the wait's", () => {
    const msg = 'failed to get target node: node "gone" not found';
    const ctx = claims({ home: [claimEv("home", "Provisioning", 1000), claimEv("home", "ProvisioningFailed", 2000, msg)] });
    const w = waitingOf(pod({ claims: ["home"] }), [], ctx);
    assert.deepEqual(w, { for: "volume", claim: "home", message: msg });
    assert.equal(w && waitingMessage(w).message, `Waiting for volume home: ${msg}`);
  });
});

describe("what the hub's user reads", () => {
  test("each wait in the cluster's words", () => {
    const ctx: PodContext = { cluster: "gcp-gpu", scaleUpNote: "usually about 40 s here" };
    assert.deepEqual(waitingMessage({ for: "node", since: 0, scheduler: SCHED }), { progress: 12, message: `Waiting for a node: ${SCHED}` });
    assert.deepEqual(waitingMessage({ for: "scale-up", since: 0, scheduler: SCHED, autoscaler: UP, groups: parseScaleUpGroups(UP) }, ctx), {
      progress: 15,
      message: "Adding a node to gcp-gpu: gpu 0 → 1 node (max 2); usually about 40 s here",
    });
    assert.deepEqual(waitingMessage({ for: "volume", claim: "jupyter-alice-home" }), { progress: 20, message: "Waiting for volume jupyter-alice-home" });
    assert.match(waitingMessage({ for: "no-scale-up", since: 0, scheduler: SCHED, autoscaler: NO }).message, /^Waiting for a node: .*\(the cluster autoscaler: pod didn't trigger/);
  });

  test("the scale-up's groups: several, and a cloud's URL names shortened", () => {
    const groups = parseScaleUpGroups(
      "pod triggered scale-up: [{https://www.googleapis.com/compute/v1/projects/p/zones/europe-west4-a/instanceGroups/gke-hub-gpu-pool-1a2b-grp 0->2 (max: 4)} {cpu 3->4 (max: 10)}]",
    );
    assert.equal(groups.length, 2);
    const m = waitingMessage({ for: "scale-up", since: 0, scheduler: "", autoscaler: "", groups }, { cluster: "gke" }).message;
    assert.equal(m, "Adding a node to gke: gke-hub-gpu-pool-1a2b-grp 0 → 2 nodes (max 4), cpu 3 → 4 nodes (max 10)");
  });

  test("a pod's status carries the wait as its progress", () => {
    const s = serverStatus(pod(), [ev("FailedScheduling", SCHED, 1000), ev("TriggeredScaleUp", UP, 3000)], { cluster: "testbed-2" });
    assert.equal(s.phase, "pending");
    assert.equal(s.waiting?.for, "scale-up");
    assert.deepEqual(s.progress, { progress: 15, message: "Adding a node to testbed-2: gpu 0 → 1 node (max 2)" });
  });

  test("how long scale-ups took here: the last one, then the median of a few", () => {
    assert.equal(describeScaleUps([]), undefined);
    assert.equal(describeScaleUps([41_000]), "the last one here took about 40 s");
    assert.equal(describeScaleUps([38_000, 300_000, 44_000]), "usually about 45 s here");
    assert.equal(describeScaleUps([3_200, 4_100]), "usually about 4 s here");
    assert.equal(describeScaleUps([200_000, 220_000]), "usually about 3.5 min here");
    assert.equal(describeScaleUps([900_000]), "the last one here took about 15 min");
  });
});

describe("when waiting is over", () => {
  const policy = { unschedulableTimeoutMs: 120_000 };

  test("NotTriggerScaleUp fails after the settle time, in the autoscaler's and the scheduler's words", () => {
    const w = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("NotTriggerScaleUp", NO, 3000)]);
    assert.deepEqual(schedulingVerdict(w, 4000, policy, "testbed-2"), { recheckAt: 3000 + NO_SCALE_UP_SETTLE_MS });
    const v = schedulingVerdict(w, 3000 + NO_SCALE_UP_SETTLE_MS, policy, "testbed-2");
    assert.equal(v.failure?.reason, "NotTriggerScaleUp");
    assert.equal(v.failure?.message, `no node of testbed-2 can take it and its cluster autoscaler will not add one: ${NO} (the scheduler: ${SCHED})`);
  });

  test("no autoscaler answer: fails after unschedulableTimeout; null waits for the start timeout", () => {
    const w = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000)]);
    assert.deepEqual(schedulingVerdict(w, 60_000, policy, "eu"), { recheckAt: 121_000 });
    const v = schedulingVerdict(w, 121_000, policy, "eu");
    assert.equal(v.failure?.reason, "Unschedulable");
    assert.match(v.failure?.message ?? "", /^0\/2 nodes are available: .* \(no node of eu could take it for 120 s and no cluster autoscaler answered; the cluster's unschedulableTimeout is 120 s\)$/);
    assert.deepEqual(schedulingVerdict(w, 10_000_000, { unschedulableTimeoutMs: null }), { recheckAt: undefined });
  });

  test("a scale-up under way and a volume wait only for the start timeout", () => {
    const up = waitingOf(pod(), [ev("FailedScheduling", SCHED, 1000), ev("TriggeredScaleUp", UP, 3000)]);
    assert.deepEqual(schedulingVerdict(up, 10_000_000, policy), { recheckAt: undefined });
    assert.deepEqual(schedulingVerdict({ for: "volume", claim: "home" }, 10_000_000, policy), { recheckAt: undefined });
    assert.deepEqual(schedulingVerdict(undefined, 10_000_000, policy), { recheckAt: undefined });
  });
});
