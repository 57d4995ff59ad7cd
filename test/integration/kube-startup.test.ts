/**
 * Startup recovery on the real bed: a fresh `createKube` (as after a restart) lists the
 * managed objects, tells completed starts (Pod marked by markStarted) from starts that
 * never completed, and cleanupIncomplete deletes only those, keeping lifetime:user objects.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kube } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, objectsOnCluster, serverObjects, uniqueKey, FIXTURE_KINDS } from "./kube-fixtures.ts";

let bed: Bed;
let c1: BedCluster;
let first: Kube;
let restarted: Kube | undefined;
let kubeMod: typeof import("../../src/kube/index.ts");
const complete = uniqueKey("done");
const crashedAfterApply = uniqueKey("nomark");
const crashedMidApply = uniqueKey("halfway");
const stopped = uniqueKey("stopped");

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c1 = bed.clusters.find((c) => c.name === "testbed-1")!;
  kubeMod = await import("../../src/kube/index.ts");
  first = await bedKube(bed, [{ name: c1.name, context: c1.restrictedContext }]);
  const c = first.cluster(c1.name);
  await c.watch.whenSynced();

  await kubeMod.applyObjects(c.client, serverObjects(complete));
  const ready = await c.watch.waitReady(complete, "default", { timeoutMs: 30_000 });
  await kubeMod.markStarted(c.client, "default", ready.podName);

  await kubeMod.applyObjects(c.client, serverObjects(crashedAfterApply));
  await kubeMod.applyObjects(c.client, serverObjects(crashedMidApply).filter((o) => o.kind === "Secret" || o.kind === "ServiceAccount"));
  await kubeMod.applyObjects(c.client, serverObjects(stopped).filter((o) => o.kind === "PersistentVolumeClaim"));
  await first.close();
});

after(async () => {
  for (const key of [complete, crashedAfterApply, crashedMidApply, stopped]) {
    kubectl(bed.kubeconfig, c1.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses", "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  }
  await restarted?.close();
});

describe("startup recovery", () => {
  test("a restarted daemon rebuilds state and finds the incomplete starts", async () => {
    restarted = await bedKube(bed, [{ name: c1.name, context: c1.restrictedContext }]);
    const state = await kubeMod.recoverState(restarted.clusters(), { extraKinds: FIXTURE_KINDS });
    assert.deepEqual(state.unreachable, []);
    const mine = new Map(state.servers.filter((s) => [complete, crashedAfterApply, crashedMidApply, stopped].includes(s.key)).map((s) => [s.key, s]));
    assert.equal(mine.size, 4);

    const done = mine.get(complete)!;
    assert.equal(done.started, true);
    assert.equal(done.pod?.phase, "ready");
    assert.equal(done.cluster, "testbed-1");
    assert.equal(done.namespace, "default");
    // Secrets are never listed: mcks's least RBAC cannot read them (a stop deletes them by label).
    assert.deepEqual(done.objects.map((o) => o.kind).sort(), ["Ingress", "PersistentVolumeClaim", "Pod", "Service", "ServiceAccount"]);

    assert.equal(mine.get(crashedAfterApply)!.started, false);
    assert.ok(mine.get(crashedAfterApply)!.pod, "its pod is known from the watch");
    assert.equal(mine.get(crashedMidApply)!.pod, undefined);
    assert.equal(mine.get(stopped)!.persistentOnly, true);

    const incomplete = state.incomplete.map((s) => s.key).filter((k) => mine.has(k)).sort();
    assert.deepEqual(incomplete, [crashedAfterApply, crashedMidApply].sort());

    // A key this process is starting right now is never treated as an orphan.
    const inFlight = await kubeMod.recoverState(restarted.clusters(), { extraKinds: FIXTURE_KINDS, inFlight: (_c, key) => key === crashedMidApply });
    assert.ok(!inFlight.incomplete.some((s) => s.key === crashedMidApply));
  });

  test("cleanupIncomplete deletes the orphans, keeps completed servers and lifetime:user objects", async () => {
    const state = await kubeMod.recoverState(restarted!.clusters(), { extraKinds: FIXTURE_KINDS });
    const ours = { ...state, incomplete: state.incomplete.filter((s) => s.key === crashedAfterApply || s.key === crashedMidApply) };
    const deleted = await kubeMod.cleanupIncomplete(restarted!.clusters(), ours, { extraKinds: FIXTURE_KINDS });
    assert.ok(deleted.some((d) => d.kind === "Pod" && d.name === crashedAfterApply));
    assert.deepEqual(objectsOnCluster(bed, c1.context, crashedAfterApply), [`persistentvolumeclaim/${crashedAfterApply}-home`]);
    assert.deepEqual(objectsOnCluster(bed, c1.context, crashedMidApply), []);
    assert.equal(objectsOnCluster(bed, c1.context, complete).length, 6, "the completed server is untouched");
    assert.deepEqual(objectsOnCluster(bed, c1.context, stopped), [`persistentvolumeclaim/${stopped}-home`]);
    const after = await kubeMod.recoverState(restarted!.clusters(), { extraKinds: FIXTURE_KINDS });
    assert.ok(!after.incomplete.some((s) => s.key === crashedAfterApply || s.key === crashedMidApply));
  });
});
