/**
 * Startup recovery on the real bed: a fresh `createKube` (as after a restart) lists the
 * managed objects, tells completed starts (their Pod got past Pending) from starts that
 * never completed (no Pod, or a Pod still Pending), and cleanupIncomplete deletes only those,
 * keeping lifetime:user objects.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kube } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, objectsOnCluster, serverObjects, uniqueKey, waitFor, FIXTURE_KINDS } from "./kube-fixtures.ts";

let bed: Bed;
let c1: BedCluster;
let first: Kube;
let restarted: Kube | undefined;
let kubeMod: typeof import("../../src/kube/index.ts");
const complete = uniqueKey("done");
const crashedWhilePending = uniqueKey("pending");
const crashedMidApply = uniqueKey("halfway");
const stopped = uniqueKey("stopped");
// Still in ContainerCreating (phase Pending) long after the test is over.
const NEVER_RUNS = "testbed/slow-start-600000:1";

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c1 = bed.clusters.find((c) => c.name === "testbed-1")!;
  kubeMod = await import("../../src/kube/index.ts");
  first = await bedKube(bed, [{ name: c1.name, context: c1.restrictedContext }]);
  const c = first.cluster(c1.name);
  await c.watch.whenSynced();

  await kubeMod.applyObjects(c.client, serverObjects(complete), { owner: complete });
  await c.watch.waitReady(complete, "default", { timeoutMs: 30_000 });

  await kubeMod.applyObjects(c.client, serverObjects(crashedWhilePending, { image: NEVER_RUNS }), { owner: crashedWhilePending });
  await kubeMod.applyObjects(c.client, serverObjects(crashedMidApply).filter((o) => o.kind === "Secret" || o.kind === "ServiceAccount"), { owner: crashedMidApply });
  await kubeMod.applyObjects(c.client, serverObjects(stopped).filter((o) => o.kind === "PersistentVolumeClaim"));
  await first.close();
});

after(async () => {
  for (const key of [complete, crashedWhilePending, crashedMidApply, stopped]) {
    kubectl(bed.kubeconfig, c1.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses", "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  }
  await restarted?.close();
});

describe("startup recovery", () => {
  test("a restarted daemon rebuilds state and finds the incomplete starts", async () => {
    restarted = await bedKube(bed, [{ name: c1.name, context: c1.restrictedContext }]);
    const state = await kubeMod.recoverState(restarted.clusters(), { extraKinds: FIXTURE_KINDS });
    assert.deepEqual(state.unreachable, []);
    const mine = new Map(state.servers.filter((s) => [complete, crashedWhilePending, crashedMidApply, stopped].includes(s.key)).map((s) => [s.key, s]));
    assert.equal(mine.size, 4);

    const done = mine.get(complete)!;
    assert.equal(done.started, true);
    assert.equal(done.pod?.phase, "ready");
    assert.equal(done.cluster, "testbed-1");
    assert.equal(done.namespace, "default");
    // Secrets are never listed: mcks's least RBAC cannot read them (a stop deletes them by name or label).
    assert.deepEqual(done.objects.map((o) => o.kind).sort(), ["Ingress", "PersistentVolumeClaim", "Pod", "Service", "ServiceAccount"]);
    const secretUid = kubectl(bed.kubeconfig, c1.context, ["get", "secret", complete, "-n", "default", "-o", "jsonpath={.metadata.uid}"]).stdout.trim();
    assert.equal(done.ownerUid, secretUid, "the owner is the Secret named by the key, known from its dependents' references");
    assert.deepEqual(done.unowned, [], "every other non-persistent object references the owner");
    assert.equal(done.pod?.ownerUid, secretUid, "so does the Pod");

    assert.equal(mine.get(crashedWhilePending)!.started, false);
    assert.equal(mine.get(crashedWhilePending)!.pod?.phase, "pending", "its pod is known from the watch");
    assert.equal(mine.get(crashedMidApply)!.pod, undefined);
    assert.equal(mine.get(stopped)!.persistentOnly, true);

    const incomplete = state.incomplete.map((s) => s.key).filter((k) => mine.has(k)).sort();
    assert.deepEqual(incomplete, [crashedWhilePending, crashedMidApply].sort());

    // A key this process is starting right now is never treated as an orphan.
    const inFlight = await kubeMod.recoverState(restarted.clusters(), { extraKinds: FIXTURE_KINDS, inFlight: (_c, key) => key === crashedMidApply });
    assert.ok(!inFlight.incomplete.some((s) => s.key === crashedMidApply));
  });

  test("cleanupIncomplete deletes the orphans (their owner, the rest by the garbage collector), keeps completed servers and lifetime:user objects", async () => {
    const state = await kubeMod.recoverState(restarted!.clusters(), { extraKinds: FIXTURE_KINDS });
    const ours = { ...state, incomplete: state.incomplete.filter((s) => s.key === crashedWhilePending || s.key === crashedMidApply) };
    const deleted = await kubeMod.cleanupIncomplete(restarted!.clusters(), ours, { extraKinds: FIXTURE_KINDS });
    assert.ok(deleted.some((d) => d.kind === "Pod" && d.name === crashedWhilePending), "the Pod goes now (grace 0), not with the collector's grace");
    assert.ok(deleted.some((d) => d.kind === "Secret" && d.name === crashedMidApply));
    await waitFor(() => objectsOnCluster(bed, c1.context, crashedWhilePending).length === 1 && objectsOnCluster(bed, c1.context, crashedMidApply).length === 0);
    assert.deepEqual(objectsOnCluster(bed, c1.context, crashedWhilePending), [`persistentvolumeclaim/${crashedWhilePending}-home`]);
    assert.deepEqual(objectsOnCluster(bed, c1.context, crashedMidApply), []);
    assert.equal(objectsOnCluster(bed, c1.context, complete).length, 6, "the completed server is untouched");
    assert.deepEqual(objectsOnCluster(bed, c1.context, stopped), [`persistentvolumeclaim/${stopped}-home`]);
    const after = await kubeMod.recoverState(restarted!.clusters(), { extraKinds: FIXTURE_KINDS });
    assert.ok(!after.incomplete.some((s) => s.key === crashedWhilePending || s.key === crashedMidApply));
  });
});

