import assert from "node:assert/strict";
import { test } from "node:test";
import type { ObjectSource } from "../../src/config/types.ts";
import { applyPatches } from "../../src/patch/stage.ts";
import { renderServer, renderSources } from "../../src/render/index.ts";
import { makeSpawn } from "./render-fixture.ts";

function run(patches: Record<string, ObjectSource>, resources: Record<string, ObjectSource> = {}) {
  const spawn = makeSpawn({ patches, resources });
  const set = renderServer(spawn);
  applyPatches(set, renderSources(spawn.ctx, spawn.patches, "patch"));
  return set;
}

test("patches apply in order; a later one sees the earlier one's result; origins are recorded", () => {
  const set = run({
    "01-a": "kind: Pod\nmetadata:\n  name: {{key}}\n  annotations: {step: one}\n",
    "02-b": "kind: Pod\nmetadata:\n  name: {{key}}\n  annotations: {step: two, other: x}\n",
  });
  const pod = set.find("Pod", "jupyter-alice");
  assert.ok(pod);
  assert.equal(pod.metadata.annotations?.step, "two");
  assert.equal(pod.metadata.annotations?.other, "x");
  assert.deepEqual(set.origins(pod), [
    { stage: "builtin", name: "built-in" },
    { stage: "patch", name: "01-a", location: "config.ts:100" },
    { stage: "patch", name: "02-b", location: "config.ts:101" },
  ]);
});

test("a patch matching nothing names the patch and the objects it could have meant", () => {
  assert.throws(() => run({ "03-typo": "kind: Pod\nmetadata:\n  name: jupyter-alcie\n" }), {
    name: "UserError",
    message:
      'patch "03-typo" (config.ts:100) matches no object: there is no Pod named "jupyter-alcie"; it could have meant one of: Pod/jupyter-alice. Patches select their target by kind and metadata.name (use {{key}} for the server\'s objects)',
  });
  assert.throws(() => run({ "04-kind": "kind: Deployment\nmetadata:\n  name: {{key}}\n" }), {
    message: /there is no Deployment named "jupyter-alice"; it could have meant one of: ServiceAccount\/jupyter-alice, Secret\/jupyter-alice, Pod\/jupyter-alice, Service\/jupyter-alice, Ingress\/jupyter-alice\./,
  });
});

test("patches reach operator resources too (JSON merge for kinds without a schema)", () => {
  const set = run(
    { "50-cm": "kind: Widget\nmetadata:\n  name: w\nspec:\n  list: [3]\n" },
    { "10-cr": "apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  list: [1, 2]\n  keep: true\n" },
  );
  assert.deepEqual(set.find("Widget", "w")?.spec, { list: [3], keep: true });
});

test("labels are a contract: patches cannot remove or change the identity labels and annotations", () => {
  const set = run({
    "01-strip": `
kind: Pod
metadata:
  name: {{key}}
  labels:
    app.kubernetes.io/managed-by: someone-else
    hub.jupyter.org/username: null
    mcks.hub.jupyter.org/key: null
    extra: kept
  annotations:
    hub.jupyter.org/username: bob
`,
  });
  const pod = set.find("Pod", "jupyter-alice");
  assert.deepEqual(pod?.metadata.labels, {
    component: "singleuser-server",
    "app.kubernetes.io/managed-by": "multicluster-kubespawner",
    "hub.jupyter.org/username": "alice",
    "hub.jupyter.org/servername": "",
    "mcks.hub.jupyter.org/key": "jupyter-alice",
    "mcks.hub.jupyter.org/lifetime": "server",
    extra: "kept",
  });
  assert.deepEqual(pod?.metadata.annotations, { "hub.jupyter.org/username": "alice", "hub.jupyter.org/servername": "" });
});

test("a patch may make an object outlive stops (our label or upstream's), and removing the label keeps the old lifetime", () => {
  const set = run(
    {
      "01-keep": 'kind: ConfigMap\nmetadata:\n  name: a\n  labels: {delete-on-stop: "false"}\n',
      "02-drop": "kind: ConfigMap\nmetadata:\n  name: b\n  labels: {mcks.hub.jupyter.org/lifetime: null}\n",
    },
    { r: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {mcks.hub.jupyter.org/lifetime: user}}\n" },
  );
  assert.equal(set.find("ConfigMap", "a")?.metadata.labels?.["mcks.hub.jupyter.org/lifetime"], "user");
  assert.equal(set.find("ConfigMap", "a")?.metadata.labels?.["delete-on-stop"], undefined);
  assert.equal(set.find("ConfigMap", "b")?.metadata.labels?.["mcks.hub.jupyter.org/lifetime"], "user");
});

test("a patch with a different apiVersion, or renaming its target, is an error naming it", () => {
  assert.throws(() => run({ "01-v": "apiVersion: v2\nkind: Pod\nmetadata:\n  name: {{key}}\n" }), {
    message: 'patch "01-v" (config.ts:100) says apiVersion "v2" but Pod/jupyter-alice is "v1"; leave apiVersion out of the patch or make it match',
  });
  assert.throws(() => run({ "01-ns": "kind: Pod\nmetadata:\n  name: {{key}}\n  namespace: elsewhere\n" }), /patch "01-ns" \(config\.ts:100\) changed the identity of Pod\/jupyter-alice/);
});

test("a patch the engine rejects is reported with the patch's name and its target", () => {
  assert.throws(
    () => run({ "01-bad": "kind: Pod\nmetadata:\n  name: {{key}}\nspec:\n  containers: [{image: x}]\n" }),
    (err: Error) => {
      assert.equal(err.name, "UserError");
      assert.match(err.message, /^patch "01-bad" \(config\.ts:100\) could not be applied to Pod\/jupyter-alice: .*has no "name"/);
      return true;
    },
  );
});
