/** The least RBAC rules and the objects that grant them (src/rbac/). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rbacManifests } from "../../src/rbac/manifest.ts";
import { rulesOf, verbsFor, type ResourceUse } from "../../src/rbac/rules.ts";

const use = (group: string, resource: string, namespaced = true): ResourceUse => ({ group, resource, namespaced, verbs: verbsFor(group, resource) });
const BUILTIN = [use("", "serviceaccounts"), use("", "secrets"), use("", "services"), use("", "pods"), use("networking.k8s.io", "ingresses"), { group: "", resource: "events", namespaced: true, verbs: ["list", "watch"] }];

describe("rbac rules", () => {
  it("never lets mcks read Secrets, and watches only Pods and Events", () => {
    const rules = rulesOf(BUILTIN);
    for (const r of rules) {
      if (r.resources.includes("secrets")) assert.deepEqual(r.verbs, ["create", "patch", "delete", "deletecollection"]);
      if (r.verbs.includes("watch")) assert.ok(r.resources.every((x) => x === "pods" || x === "events"), JSON.stringify(r));
    }
    assert.deepEqual(rules, [
      { apiGroups: [""], resources: ["pods"], verbs: ["create", "get", "list", "watch", "patch", "delete"] },
      { apiGroups: [""], resources: ["serviceaccounts", "services"], verbs: ["create", "get", "list", "patch", "delete"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "patch", "delete", "deletecollection"] },
      { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["create", "get", "list", "patch", "delete"] },
    ]);
  });

  it("a fixed namespace gets a Role and RoleBinding there; a created namespace adds a ClusterRole for namespaces only", () => {
    const subject = { kind: "User" as const, name: "mcks" };
    const docs = rbacManifests({ cluster: "eu", namespace: "jhub", subject }, [...BUILTIN, use("", "namespaces", false)]);
    assert.deepEqual(docs.map((d) => `${d.kind}/${(d.metadata as { name: string }).name}`), ["Role/mcks", "RoleBinding/mcks", "ClusterRole/mcks-cluster", "ClusterRoleBinding/mcks-cluster"]);
    assert.deepEqual(docs[2]!.rules, [{ apiGroups: [""], resources: ["namespaces"], verbs: ["create", "patch"] }]);
    assert.equal((docs[0]!.metadata as { namespace: string }).namespace, "jhub");
  });

  it("per-user namespaces get the same rules in a ClusterRole bound cluster-wide", () => {
    const docs = rbacManifests({ cluster: "eu", namespace: undefined, subject: { kind: "ServiceAccount", name: "mcks", namespace: "hub" } }, BUILTIN);
    assert.deepEqual(docs.map((d) => d.kind), ["ClusterRole", "ClusterRoleBinding"]);
    assert.deepEqual((docs[1]!.subjects as unknown[])[0], { kind: "ServiceAccount", name: "mcks", namespace: "hub" });
  });
});
