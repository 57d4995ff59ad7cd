/**
 * Server-side apply and delete-by-labels on the real bed, as the restricted identity (only
 * test/testbed/rbac-minimal.yaml), on testbed-1 and testbed-2 at once: one API request per
 * object, readiness from the shared watch, the route answers through the cluster's ingress,
 * stop keeps only the lifetime:user PVC, delete removes it too.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { AppliedObject, Kube, KubeCluster } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, objectsOnCluster, serverObjects, uniqueKey, FIXTURE_KINDS } from "./kube-fixtures.ts";

let bed: Bed;
let kube: Kube;
let kubeMod: typeof import("../../src/kube/index.ts");
const targets: { bed: BedCluster; key: string }[] = [];

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  kubeMod = await import("../../src/kube/index.ts");
  const two = bed.clusters.filter((c) => c.name === "testbed-1" || c.name === "testbed-2");
  assert.equal(two.length, 2, "the bed must have testbed-1 and testbed-2");
  kube = await bedKube(bed, two.map((c) => ({ name: c.name, context: c.restrictedContext })));
  for (const c of two) targets.push({ bed: c, key: uniqueKey(`apply${c.index}`) });
  await Promise.all(kube.clusters().map((c) => c.watch.whenSynced()));
});

after(async () => {
  for (const t of targets) {
    kubectl(bed.kubeconfig, t.bed.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses,roles,rolebindings", "-l", `mcks.hub.jupyter.org/key=${t.key}`, "--wait=false"]);
  }
  await kube?.close();
});

function cluster(t: { bed: BedCluster }): KubeCluster {
  return kube.cluster(t.bed.name);
}

describe("apply on two clusters at once (restricted identity)", () => {
  const applied = new Map<string, AppliedObject[]>();

  test("one request per object, dependency order, on both clusters concurrently", async (t) => {
    const before = targets.map((x) => ({ patch: cluster(x).client.http.stats.byMethod.PATCH ?? 0, total: cluster(x).client.http.stats.total }));
    const started = performance.now();
    const results = await Promise.all(targets.map((x) => kubeMod.applyObjects(cluster(x).client, serverObjects(x.key, { rbac: true }))));
    const ms = performance.now() - started;
    targets.forEach((x, i) => {
      const r = results[i]!;
      applied.set(x.key, r);
      const stats = cluster(x).client.http.stats;
      const requests = stats.total - before[i]!.total;
      const patches = (stats.byMethod.PATCH ?? 0) - before[i]!.patch;
      t.diagnostic(`${x.bed.name}: ${r.length} objects, ${requests} requests (${patches} PATCH)`);
      assert.equal(requests, r.length, "exactly one API request per object, no discovery");
      assert.equal(patches, r.length);
      assert.deepEqual(
        r.map((o) => o.kind),
        ["ServiceAccount", "Secret", "PersistentVolumeClaim", "Role", "Service", "RoleBinding", "Pod", "Ingress"],
      );
      for (const o of r) {
        assert.match(o.uid, /^[0-9a-f-]{36}$/);
        assert.ok(o.resourceVersion);
      }
    });
    t.diagnostic(`apply of 2 × 8 objects: ${ms.toFixed(0)} ms`);
  });

  test("objects are owned by the multicluster-kubespawner field manager, on their own cluster only", () => {
    for (const x of targets) {
      const r = kubectl(bed.kubeconfig, x.bed.context, ["get", `pod/${x.key}`, "-o", "json", "--show-managed-fields"]);
      assert.equal(r.status, 0, r.stderr);
      const pod = JSON.parse(r.stdout);
      const managers = pod.metadata.managedFields.filter((f: { operation: string }) => f.operation === "Apply").map((f: { manager: string }) => f.manager);
      assert.deepEqual(managers, ["multicluster-kubespawner"]);
      const other = targets.find((y) => y !== x)!;
      assert.equal(kubectl(bed.kubeconfig, x.bed.context, ["get", `pod/${other.key}`]).status, 1, "no leak across clusters");
    }
  });

  test("the shared watch reports ready with progress, and the route answers through the ingress", async (t) => {
    await Promise.all(
      targets.map(async (x) => {
        const seen: number[] = [];
        const said: string[] = [];
        const started = performance.now();
        const s = await cluster(x).watch.waitReady(x.key, "default", {
          timeoutMs: 30_000,
          onProgress: (p) => {
            seen.push(p.progress);
            said.push(p.message);
          },
        });
        t.diagnostic(`${x.bed.name}: ready after ${(performance.now() - started).toFixed(0)} ms, progress ${seen.join(" → ")}: ${said.join(" | ")}`);
        assert.equal(s.phase, "ready");
        assert.equal(s.podName, x.key);
        // Each report says something new; the bar never goes back.
        assert.ok(seen.every((p, i) => i === 0 || p >= seen[i - 1]!), `progress must never go back: ${seen}`);
        assert.ok(said.every((m, i) => i === 0 || m !== said[i - 1]), `each report is news: ${said.join(" | ")}`);
        assert.equal(seen.at(-1), 90);
        const cached = cluster(x).watch.get(x.key, "default");
        assert.equal(cached?.ready, true, "poll answers from the cache");
        const url = `${x.bed.ingressUrl}/user/${x.key.replace(/^jupyter-/, "")}/api`;
        let status = 0;
        for (let i = 0; i < 300 && status !== 200; i++) {
          status = await fetch(url).then((r) => r.status, () => 0);
          if (status !== 200) await sleep(100);
        }
        assert.equal(status, 200, `${url} must answer through ${x.bed.name}'s ingress`);
      }),
    );
  });

  test("a second apply is idempotent: same uids, one request per object", async () => {
    for (const x of targets) {
      const again = await kubeMod.applyObjects(cluster(x).client, serverObjects(x.key, { rbac: true }));
      assert.deepEqual(
        again.map((o) => `${o.kind}/${o.name}/${o.uid}`),
        applied.get(x.key)!.map((o) => `${o.kind}/${o.name}/${o.uid}`),
      );
    }
  });

  test("a rejected object gives the Kubernetes message, names the object, and lists what was applied", async () => {
    const x = targets[0]!;
    const bad = serverObjects(x.key, { rbac: true }).map((o) =>
      o.kind === "Service" ? { ...o, spec: { ports: [{ port: 99999 }] } } : o,
    );
    await assert.rejects(kubeMod.applyObjects(cluster(x).client, bad), (e: unknown) => {
      assert.ok(e instanceof kubeMod.ApplyError, String(e));
      assert.match(e.message, new RegExp(`^Service/${x.key}: .*port.*99999`, "i"));
      assert.equal(e.status.code, 422);
      assert.ok(e.applied.some((o) => o.kind === "Secret"), "the earlier waves were applied");
      assert.ok(!e.applied.some((o) => o.kind === "Pod"), "later waves were not");
      return true;
    });
  });

  test("stop deletes everything but the lifetime:user PVC and waits until it is gone", async (t) => {
    await Promise.all(
      targets.map(async (x) => {
        const started = performance.now();
        const deleted = await kubeMod.deleteServerObjects(cluster(x), "default", x.key, { extraKinds: FIXTURE_KINDS });
        t.diagnostic(`${x.bed.name}: stop deleted ${deleted.length} objects in ${(performance.now() - started).toFixed(0)} ms`);
        assert.deepEqual(deleted.map((d) => d.kind).sort(), ["Ingress", "Pod", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"]);
        assert.deepEqual(objectsOnCluster(bed, x.bed.context, x.key), [`persistentvolumeclaim/${x.key}-home`]);
        assert.equal(cluster(x).watch.get(x.key, "default"), undefined, "the watch cache saw the pod go");
      }),
    );
  });

  test("stop again is a no-op; delete with includePersistent removes the PVC", async () => {
    for (const x of targets) {
      assert.deepEqual(await kubeMod.deleteServerObjects(cluster(x), "default", x.key, { extraKinds: FIXTURE_KINDS }), []);
      const deleted = await kubeMod.deleteServerObjects(cluster(x), "default", x.key, { includePersistent: true, extraKinds: FIXTURE_KINDS });
      assert.deepEqual(deleted.map((d) => `${d.kind}/${d.name}`), [`PersistentVolumeClaim/${x.key}-home`]);
      assert.deepEqual(objectsOnCluster(bed, x.bed.context, x.key), []);
    }
  });

  test("an operator kind the cluster does not serve is skipped by stop", async () => {
    const x = targets[0]!;
    const deleted = await kubeMod.deleteServerObjects(cluster(x), "default", x.key, {
      includePersistent: true,
      extraKinds: [...FIXTURE_KINDS, { apiVersion: "kubernetes.dask.org/v1", kind: "DaskCluster" }],
    });
    assert.deepEqual(deleted, []);
  });

  test("stop with now (grace 0) of a running server", async () => {
    const x = targets[1]!;
    await kubeMod.applyObjects(cluster(x).client, serverObjects(x.key));
    await cluster(x).watch.waitReady(x.key, "default", { timeoutMs: 30_000 });
    const started = performance.now();
    await kubeMod.deleteServerObjects(cluster(x), "default", x.key, { includePersistent: true, gracePeriodSeconds: 0, extraKinds: FIXTURE_KINDS });
    assert.ok(performance.now() - started < 20_000, "grace 0 ends it before the default 30 s grace period");
    assert.deepEqual(objectsOnCluster(bed, x.bed.context, x.key), []);
  });
});
