/**
 * Operator resources (a CRD's kind, as upstream's dask examples add): discovered once per
 * cluster and API group version, then applied with one request each; stop deletes them
 * when the caller names the kind. Uses the admin context: the minimal RBAC covers only
 * built-in kinds (an operator's kinds need their own rule).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kube, KubeCluster } from "../../src/kube/index.ts";
import type { KubeObject } from "../../src/objects/types.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { bedKube, FIXTURE_KINDS, labelsFor, serverObjects, uniqueKey } from "./kube-fixtures.ts";

const GROUP = "kube-test.mcks.example.org";
const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${GROUP} }
spec:
  group: ${GROUP}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

let bed: Bed;
let c1: BedCluster;
let kube: Kube;
let cluster: KubeCluster;
let kubeMod: typeof import("../../src/kube/index.ts");
const key = uniqueKey("operator");

function widget(name: string): KubeObject {
  return { apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name, namespace: "default", labels: labelsFor(key) }, spec: { workers: 2 } };
}

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c1 = bed.clusters.find((c) => c.name === "testbed-1")!;
  const r = kubectl(bed.kubeconfig, c1.context, ["apply", "--server-side", "--field-manager=mcks-kube-test", "-f", "-"], crd);
  assert.equal(r.status, 0, r.stderr);
  const w = kubectl(bed.kubeconfig, c1.context, ["wait", "--for=condition=Established", `crd/widgets.${GROUP}`, "--timeout=30s"]);
  assert.equal(w.status, 0, w.stderr);
  // Established can come before the aggregated discovery lists the new kind (a known race).
  for (let i = 0; i < 60 && !kubectl(bed.kubeconfig, c1.context, ["get", "--raw", `/apis/${GROUP}/v1`]).stdout.includes('"widgets"'); i++) {
    await new Promise((r) => setTimeout(r, 500));
  }
  kubeMod = await import("../../src/kube/index.ts");
  kube = await bedKube(bed, [{ name: c1.name, context: c1.context }]);
  cluster = kube.cluster(c1.name);
  await cluster.watch.whenSynced();
});

after(async () => {
  kubectl(bed.kubeconfig, c1.context, ["delete", `widgets.${GROUP},pods,services,secrets,serviceaccounts,pvc,ingresses`, "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  await kube?.close();
});

describe("operator kinds", () => {
  test("one discovery request per cluster and group version, then one request per object", async () => {
    const objects = [...serverObjects(key), widget(`${key}-a`), widget(`${key}-b`)];
    const stats = cluster.client.http.stats;
    const count = () => ({ total: stats.total, get: stats.byMethod.GET ?? 0 });
    const before = count();
    const applied = await kubeMod.applyObjects(cluster.client, objects);
    const first = count();
    assert.equal(first.get - before.get, 1, "one discovery GET for the Widget's group version");
    assert.equal(first.total - before.total, objects.length + 1);
    assert.deepEqual(applied.slice(-2).map((o) => o.kind), ["Widget", "Widget"], "operator kinds go last");

    await kubeMod.applyObjects(cluster.client, objects);
    const second = count();
    assert.equal(second.total - first.total, objects.length, "discovery is cached: one request per object");
  });

  test("an unknown kind in a served group is one clear error", async () => {
    await assert.rejects(
      kubeMod.applyObjects(cluster.client, [{ apiVersion: `${GROUP}/v1`, kind: "Gadget", metadata: { name: "g", namespace: "default" } }]),
      /Gadget\/g: cluster "testbed-1" does not serve kind Gadget in kube-test\.mcks\.example\.org\/v1 \(it serves: Widget\)/,
    );
  });

  test("stop deletes the operator resources the caller names", async () => {
    const deleted = await kubeMod.deleteServerObjects(cluster, "default", key, {
      includePersistent: true,
      extraKinds: [...FIXTURE_KINDS, { apiVersion: `${GROUP}/v1`, kind: "Widget" }],
    });
    assert.deepEqual(deleted.filter((d) => d.kind === "Widget").map((d) => d.name).sort(), [`${key}-a`, `${key}-b`]);
    const left = kubectl(bed.kubeconfig, c1.context, ["get", `widgets.${GROUP}`, "-l", `mcks.hub.jupyter.org/key=${key}`, "-o", "name"]);
    assert.equal(left.status, 0, left.stderr);
    assert.equal(left.stdout.trim(), "");
  });
});
