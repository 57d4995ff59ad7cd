/** Operator mistakes in patches get one clear UserError: what is wrong, where, and how to fix it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { defaultPatchType, patchObject, type PatchType } from "../../src/patch/index.ts";
import { parseKubectlYaml } from "../../src/patch/kubectl-yaml.ts";

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "jupyter-alice", labels: { a: "1" } },
  spec: {
    containers: [{ name: "notebook", image: "x", env: [{ name: "A", value: "1" }] }],
    volumes: [{ name: "home", emptyDir: {} }],
    securityContext: { runAsUser: 1000, seLinuxOptionz: { a: "1" } },
  },
};

function errorOf(target: unknown, patch: unknown, type: PatchType = "strategic"): string {
  try {
    patchObject(target, patch, type);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("expected the patch to fail");
}

const cases: [string, unknown, PatchType, RegExp[]][] = [
  ["merge key missing", { spec: { containers: [{ image: "y" }] } }, "strategic", [/Pod jupyter-alice/, /spec\.containers/, /no "name"/, /add "name"/]],
  ["$patch: delete without merge key", { spec: { containers: [{ $patch: "delete" }] } }, "strategic", [/spec\.containers/, /\$patch: delete/, /by "name"/]],
  ["unknown $patch value in a list", { spec: { containers: [{ name: "notebook", $patch: "remove" }] } }, "strategic", [/unknown \$patch value "remove"/, /use "delete"/]],
  ["$patch: merge in a list", { spec: { containers: [{ name: "notebook", $patch: "merge" }] } }, "strategic", [/"\$patch: merge" in a list item is not supported/]],
  ["$patch: merge in a map", { spec: { securityContext: { $patch: "merge" } } }, "strategic", [/spec\.securityContext/, /use "replace" or "delete"/]],
  ["$retainKeys missing a patched key", { spec: { volumes: [{ name: "home", $retainKeys: ["name"], configMap: { name: "c" } }] } }, "strategic", [/spec\.volumes\[name=home\]/, /"configMap"/, /add it to \$retainKeys/]],
  ["$retainKeys not a list", { spec: { $retainKeys: "name" } }, "strategic", [/\$retainKeys must be a list/]],
  ["$setElementOrder that misses a patched item", { spec: { "$setElementOrder/containers": [{ name: "notebook" }], containers: [{ name: "new", image: "y" }] } }, "strategic", [/\$setElementOrder\/containers/, /list every patched item/]],
  ["malformed directive key", { metadata: { "$deleteFromPrimitiveListX/finalizers": ["a"] } }, "strategic", [/malformed directive key/, /\$deleteFromPrimitiveList\/<field>/]],
  ["unknown field that both sides hold as objects", { spec: { securityContext: { seLinuxOptionz: { b: "2" } } } }, "strategic", [/spec\.securityContext\.seLinuxOptionz/, /no field "seLinuxOptionz"/, /--type merge/]],
  ["strategic patch that is a list", [{ op: "add" }], "strategic", [/must be a map/]],
  ["strategic on a custom resource", { spec: { size: 1 } }, "strategic", [/example\.com\/v1\/Widget is not one/, /--type merge/]],
  ["json patch that is a map", { op: "add" }, "json", [/must be a list of operations/]],
  ["json patch remove missing", [{ op: "remove", path: "/metadata/labels/nope" }], "json", [/operation 1 \(remove \/metadata\/labels\/nope\)/, /no "nope" to remove/]],
  ["json patch path not found", [{ op: "add", path: "/spec/nope/x", value: 1 }], "json", [/"\/spec\/nope\/x" does not exist/]],
  ["json patch pointer without slash", [{ op: "add", path: "spec/x", value: 1 }], "json", [/must start with "\/"/]],
  ["json patch test fails", [{ op: "test", path: "/metadata/name", value: "bob" }], "json", [/test failed/, /"jupyter-alice"/]],
  ["json patch index out of range", [{ op: "replace", path: "/spec/containers/3", value: {} }], "json", [/index 3 is out of range/]],
  ["json patch unknown op", [{ op: "merge", path: "/spec" }], "json", [/unknown op "merge"/, /add, remove, replace/]],
];

for (const [name, patch, type, patterns] of cases) {
  test(`clear error: ${name}`, () => {
    const target = name.includes("custom resource") ? { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } : pod;
    const msg = errorOf(target, patch, type);
    for (const p of patterns) assert.match(msg, p);
  });
}

test("non-JSON values are rejected, not silently dropped", () => {
  assert.match(errorOf(pod, { metadata: { labels: { when: new Date(0) } } }), /patch\.metadata\.labels\.when: Date is not JSON data/);
});

test("malformed YAML names file, line and column", () => {
  assert.throws(() => parseKubectlYaml("spec:\n  containers:\n  - name: a\n   image: x\n", "patch.yaml"), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^patch\.yaml:\d+:\d+: not valid YAML/);
    return true;
  });
  assert.throws(() => parseKubectlYaml("a: 1\n---\nb: 2\n", "p.yaml"), /holds 2 YAML documents/);
  assert.throws(() => parseKubectlYaml("", "p.yaml"), /empty/);
});

test("defaultPatchType: strategic for built-in kinds, merge for custom resources", () => {
  assert.equal(defaultPatchType("v1", "Pod"), "strategic");
  assert.equal(defaultPatchType("apps/v1", "Deployment"), "strategic");
  assert.equal(defaultPatchType("networking.k8s.io/v1", "Ingress"), "strategic");
  assert.equal(defaultPatchType("example.com/v1", "Widget"), "merge");
  assert.equal(defaultPatchType(undefined, "Pod"), "merge");
});
