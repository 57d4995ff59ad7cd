/**
 * Failure injection by image name on the real bed (testbed-2): each failure shows the status
 * reason and Events a real cluster would give, so mcks' progress and error reporting can be
 * tested against them. Names: fail-pull, crashloop, slow-start-<ms>; a missing Secret gives
 * CreateContainerConfigError. A pod nothing can place is no longer faked: a nodeSelector no
 * node matches gets the real scheduler's answer.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { agentTarget, condition, getJson, kc, podEvents, podManifest, UNPLACEABLE, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
const id = process.pid;
const names: string[] = [];

before(async () => {
  t = await agentTarget();
});

after(() => {
  if (t && names.length > 0) kc(t, ["delete", "pod", ...names, "--ignore-not-found", "--wait=false"]);
});

function create(kind: string, image: string, extra = "", specExtra = ""): string {
  const name = `agent-${kind}-${id}`;
  names.push(name);
  kc(t, ["apply", "-f", "-"], podManifest(name, image, extra, specExtra));
  return name;
}

function waitPod(name: string, what: string, ok: (p: V1Pod) => boolean, timeoutMs = 20_000): Promise<V1Pod> {
  return waitFor(`${name}: ${what}`, () => {
    const p = getJson<V1Pod>(t, `pod/${name}`);
    return p && ok(p) ? p : undefined;
  }, timeoutMs);
}

const waiting = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.waiting;

describe("failure injection", () => {
  test("fail-pull: ErrImagePull then ImagePullBackOff, with Failed and BackOff events", async () => {
    const name = create("pull", "registry.example/fail-pull:1.0");
    const first = await waitPod(name, "ErrImagePull or later", (p) => ["ErrImagePull", "ImagePullBackOff"].includes(waiting(p)?.reason ?? ""));
    assert.equal(first.status?.phase, "Pending");
    const p = await waitPod(name, "ImagePullBackOff", (p) => waiting(p)?.reason === "ImagePullBackOff");
    assert.match(waiting(p)?.message ?? "", /Back-off pulling image "registry\.example\/fail-pull:1\.0"/);
    assert.equal(condition(p, "Ready")?.status, "False");
    assert.equal(condition(p, "PodScheduled")?.status, "True");
    const ev = await waitFor("pull events", () => {
      const e = podEvents(t, name);
      return e.some((x) => x.reason === "BackOff") && e.filter((x) => x.reason === "Failed").length >= 3 ? e : undefined;
    });
    const failed = ev.filter((e) => e.reason === "Failed").map((e) => e.message);
    assert.ok(failed.some((m) => m.startsWith('Failed to pull image "registry.example/fail-pull:1.0": ') && m.includes("not found")), failed.join("\n"));
    assert.ok(failed.includes("Error: ErrImagePull"));
    assert.ok(failed.includes("Error: ImagePullBackOff"));
    assert.ok(ev.filter((e) => e.reason === "Failed").every((e) => e.type === "Warning"));
  });

  test("no node fits (nodeSelector): never bound, PodScheduled False/Unschedulable, FailedScheduling, NotTriggerScaleUp", async () => {
    const name = create("unsched", "testbed/singleuser:latest", "", UNPLACEABLE);
    const p = await waitPod(name, "PodScheduled=False", (p) => condition(p, "PodScheduled")?.status === "False");
    assert.equal(condition(p, "PodScheduled")?.reason, "Unschedulable");
    assert.match(condition(p, "PodScheduled")?.message ?? "", /^0\/\d+ nodes are available: .*\d+ node\(s\) didn't match Pod's node affinity\/selector/);
    assert.equal(p.status?.phase, "Pending");
    assert.equal(p.spec?.nodeName, undefined);
    const ev = await waitFor("FailedScheduling", () => podEvents(t, name).find((e) => e.reason === "FailedScheduling"));
    assert.equal(ev.type, "Warning");
    assert.equal(ev.reportingComponent, "default-scheduler");
    // testbed-2's pools, each with the first scheduler filter its template node fails.
    const ca = await waitFor("NotTriggerScaleUp", () => podEvents(t, name).find((e) => e.reason === "NotTriggerScaleUp"));
    assert.equal(ca.source?.component, "cluster-autoscaler");
    assert.equal(ca.message, "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s)");
  });

  test("crashloop: CrashLoopBackOff with a growing restartCount and BackOff events", async () => {
    const name = create("crash", "testbed/crashloop:latest");
    const p1 = await waitPod(name, "CrashLoopBackOff", (p) => waiting(p)?.reason === "CrashLoopBackOff");
    const n1 = p1.status?.containerStatuses?.[0]?.restartCount ?? 0;
    assert.ok(n1 >= 1);
    assert.equal(p1.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    assert.match(waiting(p1)?.message ?? "", /^back-off \d+s restarting failed container=notebook pod=/);
    assert.equal(p1.status?.phase, "Running");
    assert.equal(condition(p1, "Ready")?.status, "False");
    await waitPod(name, `restartCount > ${n1}`, (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > n1);
    const ev = await waitFor("BackOff event", () => podEvents(t, name).find((e) => e.reason === "BackOff"));
    assert.match(ev.message, /^Back-off restarting failed container notebook in pod /);
    assert.equal(ev.type, "Warning");
  });

  test("slow-start-<ms>: stays ContainerCreating at least that long, then Ready", async () => {
    const started = Date.now();
    const name = create("slow", "testbed/slow-start-2000:latest");
    const early = await waitPod(name, "bound and ContainerCreating", (p) => waiting(p)?.reason === "ContainerCreating");
    assert.equal(early.status?.phase, "Pending");
    await waitPod(name, "Ready", (p) => condition(p, "Ready")?.status === "True");
    assert.ok(Date.now() - started >= 2000, `Ready after ${Date.now() - started} ms, expected ≥ 2000`);
  });

  test("a missing Secret in env: CreateContainerConfigError and a Failed event", async () => {
    const name = create(
      "nosecret",
      "testbed/singleuser:latest",
      `\n      env: [{ name: JUPYTERHUB_API_TOKEN, valueFrom: { secretKeyRef: { name: no-such-secret-${id}, key: token } } }]`,
    );
    const p = await waitPod(name, "CreateContainerConfigError", (p) => waiting(p)?.reason === "CreateContainerConfigError");
    assert.equal(waiting(p)?.message, `secret "no-such-secret-${id}" not found`);
    const ev = await waitFor("Failed event", () => podEvents(t, name).find((e) => e.reason === "Failed"));
    assert.equal(ev.message, `Error: secret "no-such-secret-${id}" not found`);
  });
});
