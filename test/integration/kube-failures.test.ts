/**
 * Injected failures (the agent's image-name convention, and a nodeSelector no node matches for
 * the real scheduler) surface through the shared watch as the Kubernetes reason within seconds,
 * and stop then leaves nothing behind. Runs as the restricted identity on testbed-3.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kube, KubeCluster } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, objectsOnCluster, serverObjects, uniqueKey, FIXTURE_KINDS } from "./kube-fixtures.ts";

let bed: Bed;
let c3: BedCluster;
let kube: Kube;
let cluster: KubeCluster;
let kubeMod: typeof import("../../src/kube/index.ts");
const keys: string[] = [];

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c3 = bed.clusters.find((c) => c.name === "testbed-3")!;
  assert.ok(c3, "the bed has no testbed-3");
  kubeMod = await import("../../src/kube/index.ts");
  kube = await bedKube(bed, [{ name: c3.name, context: c3.restrictedContext }]);
  cluster = kube.cluster(c3.name);
  await cluster.watch.whenSynced();
});

after(async () => {
  for (const key of keys) {
    kubectl(bed.kubeconfig, c3.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses", "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  }
  await kube?.close();
});

const cases: { name: string; image: string; nodeSelector?: Record<string, string>; reasons: string[]; message: RegExp; withinMs: number }[] = [
  { name: "fail-pull", image: "testbed/fail-pull:latest", reasons: ["ErrImagePull", "ImagePullBackOff"], message: /fail-pull/, withinMs: 30_000 },
  {
    // The scheduler's no is waited on; the cluster autoscaler's no (after its settle time) ends the wait.
    name: "no-node",
    image: "testbed/singleuser:latest",
    nodeSelector: { "mcks.testbed/pool": "no-such-pool" },
    reasons: ["NotTriggerScaleUp"],
    message: /pod didn't trigger scale-up: \d+ node\(s\) didn't match Pod's node affinity\/selector.*the scheduler: 0\/\d+ nodes are available: \d+ node\(s\) didn't match Pod's node affinity\/selector/,
    withinMs: 30_000,
  },
  { name: "crashloop", image: "testbed/crashloop:latest", reasons: ["CrashLoopBackOff"], message: /back-off/i, withinMs: 30_000 },
];

describe("failures surface with the Kubernetes reason", () => {
  for (const c of cases) {
    test(`${c.name} → ${c.reasons.join(" / ")} within seconds, and stop leaves nothing`, async (t) => {
      const key = uniqueKey(c.name);
      keys.push(key);
      const started = performance.now();
      await kubeMod.applyObjects(cluster.client, serverObjects(key, { image: c.image, ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}) }));
      const progress: string[] = [];
      await assert.rejects(
        cluster.watch.waitReady(key, "default", { timeoutMs: 60_000, onProgress: (p) => progress.push(`${p.progress}`) }),
        (e: unknown) => {
          assert.ok(e instanceof kubeMod.ServerFailedError, `expected ServerFailedError, got ${String(e)}`);
          assert.ok(c.reasons.includes(e.reason), `reason ${e.reason}`);
          assert.match(e.message, new RegExp(`^Pod/${key} cannot start: (${c.reasons.join("|")}): `));
          assert.match(e.message, c.message);
          return true;
        },
      );
      const ms = performance.now() - started;
      t.diagnostic(`${c.name}: failed after ${ms.toFixed(0)} ms (progress ${progress.join(" → ") || "none"})`);
      assert.ok(ms < c.withinMs, `took ${ms} ms`);
      // A failed container is the Pod's own state; a no from the autoscaler is the wait's verdict.
      if (c.name !== "no-node") assert.equal(cluster.watch.get(key, "default")?.phase, "failed");
      await kubeMod.deleteServerObjects(cluster, "default", key, { includePersistent: true, gracePeriodSeconds: 0, extraKinds: FIXTURE_KINDS });
      assert.deepEqual(objectsOnCluster(bed, c3.context, key), []);
    });
  }

  test("a pod deleted while starting ends the wait with a clear error", async () => {
    const key = uniqueKey("slow");
    keys.push(key);
    await kubeMod.applyObjects(cluster.client, serverObjects(key, { image: "testbed/slow-start-5000:latest" }));
    const waiting = cluster.watch.waitReady(key, "default", { timeoutMs: 20_000 });
    await cluster.watch.waitReady(key, "default", { timeoutMs: 100 }).catch(() => undefined); // let the watch see it
    const ended = assert.rejects(waiting, (e: unknown) => e instanceof kubeMod.ServerFailedError && /was deleted while starting/.test(e.message));
    await kubeMod.deleteServerObjects(cluster, "default", key, { includePersistent: true, gracePeriodSeconds: 0, extraKinds: FIXTURE_KINDS });
    await ended;
  });

  test("waitReady honours its timeout and abort signal", async () => {
    const key = uniqueKey("timeout");
    keys.push(key);
    await kubeMod.applyObjects(cluster.client, serverObjects(key, { image: "testbed/slow-start-5000:latest" }));
    await assert.rejects(cluster.watch.waitReady(key, "default", { timeoutMs: 200 }), /was not ready within/);
    const ac = new AbortController();
    const p = cluster.watch.waitReady(key, "default", { signal: ac.signal });
    ac.abort(new Error("stop requested"));
    await assert.rejects(p, /stop requested/);
    await kubeMod.deleteServerObjects(cluster, "default", key, { includePersistent: true, gracePeriodSeconds: 0, extraKinds: FIXTURE_KINDS });
  });
});
