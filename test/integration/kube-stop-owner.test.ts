/**
 * Stop through the owner, on the real bed with the real garbage collector (kube-controller-manager):
 * a server applied with its owner (objects/owner.ts) references it from every object that dies
 * with it; `stopServer` sends two DELETEs (the owner and the Pod, which the stop waits for), the
 * shared watch sees the Pod go, and the collector removes the rest; a start right after a stop keeps its objects although the collector may still
 * be removing the old ones; a server without references (an older mcks) is stopped by name.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AppliedObject, Kube, KubeCluster, StopFacts } from "../../src/kube/index.ts";
import type { ObjectRef } from "../../src/objects/types.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, objectsOnCluster, serverObjects, uniqueKey, waitFor, FIXTURE_KINDS } from "./kube-fixtures.ts";

let bed: Bed;
let c1: BedCluster;
let kube: Kube;
let cluster: KubeCluster;
let kubeMod: typeof import("../../src/kube/index.ts");
const owned = uniqueKey("owned");
const again = uniqueKey("again");
const legacy = uniqueKey("legacy");
const now = uniqueKey("now");
const KEYS = [owned, again, legacy, now];

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c1 = bed.clusters.find((c) => c.name === "testbed-1")!;
  kubeMod = await import("../../src/kube/index.ts");
  kube = await bedKube(bed, [{ name: c1.name, context: c1.restrictedContext }]);
  cluster = kube.cluster(c1.name);
  await cluster.watch.whenSynced();
});

after(async () => {
  for (const key of KEYS) {
    kubectl(bed.kubeconfig, c1.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses,roles,rolebindings", "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  }
  await kube?.close();
});

/** The facts a start's trace keeps for its stop (spawn/launch.ts), from what the apply returned. */
function factsOf(key: string, applied: readonly AppliedObject[]): StopFacts {
  const ref = (a: AppliedObject): ObjectRef => ({ apiVersion: a.apiVersion, kind: a.kind, namespace: a.namespace, name: a.name, uid: a.uid });
  const pod = applied.find((a) => a.kind === "Pod");
  return {
    ownerUid: applied.find((a) => a.kind === "Secret" && a.name === key)?.uid,
    pod: pod && ref(pod),
    unowned: applied.filter((a) => !a.owned && a.kind !== "Pod" && a.kind !== "PersistentVolumeClaim" && !(a.kind === "Secret" && a.name === key)).map(ref),
  };
}

async function startServer(key: string): Promise<AppliedObject[]> {
  const applied = await kubeMod.applyObjects(cluster.client, serverObjects(key, { rbac: true }), { owner: key });
  await cluster.watch.waitReady(key, "default", { timeoutMs: 60_000 });
  return applied;
}

function ownerReferences(kindName: string): { kind: string; name: string; uid: string }[] {
  const r = kubectl(bed.kubeconfig, c1.context, ["get", kindName, "-n", "default", "-o", "jsonpath={.metadata.ownerReferences}"]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

const requests = () => cluster.client.http.stats.total;
const gone = (key: string) => `the garbage collector did not remove ${key}'s objects: does the bed run kube-controller-manager with its garbage collector?`;

describe("stop through the owner, with the real garbage collector", () => {
  let applied: AppliedObject[] = [];

  test("every object that dies with the server references its Secret; the Secret goes first and the home volume references nothing", async () => {
    applied = await startServer(owned);
    assert.equal(applied[0]?.kind, "Secret", "the owner is applied first");
    const owner = applied[0]!;
    for (const a of applied.slice(1)) {
      const refs = ownerReferences(`${a.kind.toLowerCase()}/${a.name}`);
      if (a.kind === "PersistentVolumeClaim") {
        assert.deepEqual(refs, [], "the lifetime:user home volume outlives the server");
        assert.equal(a.owned, false);
      } else {
        assert.deepEqual(refs.map((r) => `${r.kind}/${r.name}/${r.uid}`), [`Secret/${owned}/${owner.uid}`], `${a.kind}/${a.name}`);
        assert.equal(a.owned, true);
      }
    }
    assert.equal(cluster.watch.get(owned, "default")?.ownerUid, owner.uid, "the watch cache knows the Pod's owner");
  });

  test("two requests: the DELETEs of the owner and the Pod; the watch sees the Pod go, the collector removes the rest, the home volume stays", async (t) => {
    const before = requests();
    const started = performance.now();
    const deleted = await kubeMod.stopServer(cluster, { namespace: "default", key: owned, ...factsOf(owned, applied) });
    t.diagnostic(`stopped in ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(requests() - before, 2, "two API requests for the whole stop");
    assert.deepEqual(deleted.map((d) => `${d.kind}/${d.name}`), [`Secret/${owned}`, `Pod/${owned}`]);
    assert.equal(cluster.watch.get(owned, "default"), undefined, "the Pod is gone when stop returns");
    await waitFor(() => objectsOnCluster(bed, c1.context, owned).length === 1).catch(() => assert.fail(gone(owned)));
    assert.deepEqual(objectsOnCluster(bed, c1.context, owned), [`persistentvolumeclaim/${owned}-home`]);
  });

  test("a start right after a stop keeps its objects: the collector's delete of an old one fails on its resourceVersion once the new owner is referenced", async () => {
    const first = await startServer(again);
    await kubeMod.stopServer(cluster, { namespace: "default", key: again, ...factsOf(again, first) });
    // At once, as the hub's restart does: the old Service, Ingress… may not be collected yet.
    const second = await startServer(again);
    const newOwner = second.find((a) => a.kind === "Secret" && a.name === again)!.uid;
    assert.notEqual(newOwner, first.find((a) => a.kind === "Secret" && a.name === again)!.uid);
    // Give the collector time to act on the old owner's dependents, then check nothing of the new start went.
    await new Promise((r) => setTimeout(r, 5000));
    const expected = ["ingress", "persistentvolumeclaim", "pod", "role", "rolebinding", "secret", "service", "serviceaccount"];
    assert.deepEqual(objectsOnCluster(bed, c1.context, again).map((o) => o.split("/")[0]!.split(".")[0]).sort(), expected);
    for (const a of second.filter((x) => x.owned)) {
      assert.deepEqual(ownerReferences(`${a.kind.toLowerCase()}/${a.name}`).map((r) => r.uid), [newOwner], `${a.kind}/${a.name} references only the new owner`);
    }
    assert.equal(cluster.watch.get(again, "default")?.ready, true);
    await kubeMod.stopServer(cluster, { namespace: "default", key: again, ...factsOf(again, second) });
    await waitFor(() => objectsOnCluster(bed, c1.context, again).length === 1).catch(() => assert.fail(gone(again)));
  });

  test("with now (grace 0): the same two requests, the Pod without its grace period", async () => {
    const a = await startServer(now);
    const before = requests();
    const deleted = await kubeMod.stopServer(cluster, { namespace: "default", key: now, ...factsOf(now, a) }, { gracePeriodSeconds: 0 });
    assert.equal(requests() - before, 2);
    assert.deepEqual(deleted.map((d) => d.kind).sort(), ["Pod", "Secret"]);
    await waitFor(() => objectsOnCluster(bed, c1.context, now).length === 1).catch(() => assert.fail(gone(now)));
  });

  test("a server without references (applied by an older mcks): recovery lists what stop must delete by name, and stop lists nothing", async () => {
    await kubeMod.applyObjects(cluster.client, serverObjects(legacy, { rbac: true }));
    await cluster.watch.waitReady(legacy, "default", { timeoutMs: 60_000 });
    const state = await kubeMod.recoverState([cluster], { extraKinds: FIXTURE_KINDS });
    const found = state.servers.find((s) => s.key === legacy)!;
    assert.equal(found.started, true);
    assert.deepEqual(found.unowned.map((o) => o.kind).sort(), ["Ingress", "Role", "RoleBinding", "Service", "ServiceAccount"]);
    const gets = cluster.client.http.stats.byMethod.GET ?? 0;
    await kubeMod.stopServer(cluster, { namespace: "default", key: legacy, ownerUid: found.ownerUid, unowned: found.unowned });
    assert.equal((cluster.client.http.stats.byMethod.GET ?? 0) - gets, 0, "no listing");
    assert.deepEqual(objectsOnCluster(bed, c1.context, legacy), [`persistentvolumeclaim/${legacy}-home`]);
  });
});
