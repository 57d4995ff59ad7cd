/** Dependency order of server-side apply (objects/kinds.ts) and its concurrent waves. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyOrder, applyWaves } from "../../src/kube/apply.ts";
import { deleteSelector } from "../../src/kube/delete.ts";
import { serverKinds } from "../../src/objects/kinds.ts";

const kinds = (xs: { kind: string }[]) => xs.map((x) => x.kind);
const input = ["DaskCluster", "Ingress", "Pod", "Service", "RoleBinding", "Role", "PersistentVolumeClaim", "ConfigMap", "Secret", "ServiceAccount", "Namespace", "NetworkPolicy"].map(
  (kind) => ({ kind }),
);

describe("apply order", () => {
  test("follows the table of kinds, other kinds last in input order", () => {
    assert.deepEqual(kinds(applyOrder(input)), [
      "Namespace",
      "ServiceAccount",
      "Secret",
      "ConfigMap",
      "PersistentVolumeClaim",
      "Role",
      "Service",
      "RoleBinding",
      "Pod",
      "Ingress",
      "DaskCluster",
      "NetworkPolicy",
    ]);
  });

  test("is stable for equal kinds", () => {
    const xs = [{ kind: "Secret", n: 1 }, { kind: "Pod", n: 2 }, { kind: "Secret", n: 3 }];
    assert.deepEqual(applyOrder(xs).map((x) => x.n), [1, 3, 2]);
  });

  test("waves: each kind after what it depends on", () => {
    assert.deepEqual(applyWaves(input).map(kinds), [
      ["Namespace"],
      ["ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "Role", "Service"],
      ["RoleBinding", "Pod"],
      ["Ingress"],
      ["DaskCluster", "NetworkPolicy"],
    ]);
    assert.deepEqual(applyWaves([{ kind: "Pod" }, { kind: "Secret" }]).map(kinds), [["Secret"], ["Pod"]]);
  });

  test("waves with an owner: it goes alone after the namespace, before everything that may reference it", () => {
    const objects = [...input, { kind: "Secret", owner: true }];
    assert.deepEqual(applyWaves(objects, (o) => "owner" in o).map(kinds), [
      ["Namespace"],
      ["Secret"],
      ["ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "Role", "Service"],
      ["RoleBinding", "Pod"],
      ["Ingress"],
      ["DaskCluster", "NetworkPolicy"],
    ]);
    // pod-ip routing without a ServiceAccount: two round trips, one request each.
    assert.deepEqual(applyWaves([{ kind: "Pod" }, { kind: "Secret", owner: true }], (o) => "owner" in o).map(kinds), [["Secret"], ["Pod"]]);
  });
});

describe("delete selection", () => {
  test("keeps lifetime:user objects unless asked", () => {
    assert.equal(
      deleteSelector("jupyter-alice", false),
      "app.kubernetes.io/managed-by=multicluster-kubespawner,mcks.hub.jupyter.org/key=jupyter-alice,mcks.hub.jupyter.org/lifetime!=user",
    );
    assert.equal(deleteSelector("jupyter-alice", true), "app.kubernetes.io/managed-by=multicluster-kubespawner,mcks.hub.jupyter.org/key=jupyter-alice");
  });

  test("operator kinds are added to the built-in ones once", () => {
    const ks = serverKinds([
      { apiVersion: "kubernetes.dask.org/v1", kind: "DaskCluster" },
      { apiVersion: "v1", kind: "Pod" },
    ]);
    assert.equal(ks.filter((k) => k.kind === "Pod").length, 1);
    assert.deepEqual(ks[0], { apiVersion: "kubernetes.dask.org/v1", kind: "DaskCluster" });
    assert.ok(ks.some((k) => k.kind === "Ingress") && ks.some((k) => k.kind === "ServiceAccount"));
  });
});
