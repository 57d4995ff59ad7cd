/** Which of a server's objects hang off its owner (objects/owner.ts), and how the reference is written. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { goesWithOwner, isServerOwner, ownerUidOf, withOwner } from "../../src/objects/owner.ts";
import type { KubeObject } from "../../src/objects/types.ts";

const obj = (kind: string, name: string, namespace: string | undefined, labels: Record<string, string> = {}, apiVersion = "v1"): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { "mcks.hub.jupyter.org/lifetime": "server", ...labels } },
});
const owner = { apiVersion: "v1", kind: "Secret", name: "jupyter-alice", uid: "u-1" };

describe("the server's owner", () => {
  test("is the Secret named by the key, nothing else", () => {
    assert.equal(isServerOwner(obj("Secret", "jupyter-alice", "jhub"), "jupyter-alice"), true);
    assert.equal(isServerOwner(obj("Secret", "jupyter-alice-extra", "jhub"), "jupyter-alice"), false);
    assert.equal(isServerOwner(obj("ConfigMap", "jupyter-alice", "jhub"), "jupyter-alice"), false);
    assert.equal(isServerOwner(obj("Secret", "jupyter-alice", "jhub", {}, "example.org/v1"), "jupyter-alice"), false);
  });

  test("owns what dies with the server in its namespace; not what outlives it, other namespaces or cluster-scoped objects", () => {
    assert.equal(goesWithOwner(obj("Pod", "jupyter-alice", "jhub"), "jhub"), true);
    assert.equal(goesWithOwner(obj("DaskCluster", "d", "jhub", {}, "kubernetes.dask.org/v1"), "jhub"), true);
    assert.equal(goesWithOwner(obj("PersistentVolumeClaim", "home", "jhub", { "mcks.hub.jupyter.org/lifetime": "user" }), "jhub"), false);
    // The garbage collector would take a reference across namespaces for a missing owner and delete at once.
    assert.equal(goesWithOwner(obj("ConfigMap", "c", "elsewhere"), "jhub"), false);
    assert.equal(goesWithOwner(obj("ClusterRole", "r", undefined, {}, "rbac.authorization.k8s.io/v1"), "jhub"), false);
    assert.equal(goesWithOwner(obj("Namespace", "u-alice", undefined), "jhub"), false);
  });

  test("the reference is added to the operator's own, once", () => {
    const theirs = { apiVersion: "apps/v1", kind: "Deployment", name: "x", uid: "d-1" };
    const base = obj("ConfigMap", "c", "jhub");
    const withTheirs = { ...base, metadata: { ...base.metadata, ownerReferences: [theirs] } };
    const once = withOwner(withTheirs, owner);
    assert.deepEqual(once.metadata.ownerReferences, [theirs, owner]);
    assert.equal(withOwner(once, owner), once);
    assert.equal(base.metadata.ownerReferences, undefined, "the input is not changed");
  });

  test("its uid is read back from a dependent's metadata", () => {
    assert.equal(ownerUidOf(withOwner(obj("Pod", "jupyter-alice", "jhub"), owner).metadata, "jupyter-alice"), "u-1");
    assert.equal(ownerUidOf(withOwner(obj("Pod", "jupyter-bob", "jhub"), owner).metadata, "jupyter-bob"), undefined);
    assert.equal(ownerUidOf({ ownerReferences: "garbage" }, "jupyter-alice"), undefined);
  });
});
