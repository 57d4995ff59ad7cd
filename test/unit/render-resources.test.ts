import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../src/objects/types.ts";
import { renderServer, renderSources } from "../../src/render/index.ts";
import { makeSpawn } from "./render-fixture.ts";

const HOME_PVC = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: home-{{ username }}
  labels:
    delete-on-stop: "false"
    team: a
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 10Gi } }
`;

function byName(objects: KubeObject[], kind: string): KubeObject {
  const o = objects.find((x) => x.kind === kind);
  assert.ok(o, `no ${kind}`);
  return o;
}

test("upstream's delete-on-stop: \"false\" becomes lifetime user; other labels kept, contract labels added", () => {
  const objects = renderServer(makeSpawn({ resources: { "05-home": HOME_PVC } })).list();
  assert.deepEqual(byName(objects, "PersistentVolumeClaim").metadata, {
    name: "home-alice",
    namespace: "jhub",
    labels: {
      team: "a",
      "app.kubernetes.io/managed-by": "multicluster-kubespawner",
      "hub.jupyter.org/username": "alice",
      "hub.jupyter.org/servername": "",
      "mcks.hub.jupyter.org/key": "jupyter-alice",
      "mcks.hub.jupyter.org/lifetime": "user",
    },
    annotations: { "hub.jupyter.org/username": "alice", "hub.jupyter.org/servername": "" },
  });
});

test("resources may set the lifetime label themselves; a bad value is an error naming the resource", () => {
  const ok = renderServer(
    makeSpawn({ resources: { a: () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { "mcks.hub.jupyter.org/lifetime": "user" } } }) } }),
  ).list();
  assert.equal(byName(ok, "ConfigMap").metadata.labels?.["mcks.hub.jupyter.org/lifetime"], "user");
  assert.throws(
    () => renderServer(makeSpawn({ resources: { a: () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { "mcks.hub.jupyter.org/lifetime": "forever" } } }) } })),
    { message: 'resource "a" (config.ts:200): ConfigMap/x has label mcks.hub.jupyter.org/lifetime: "forever"; use "user" (kept across stops) or "server" (deleted on stop)' },
  );
});

test("namespaces: defaulted for namespaced kinds, kept when given, never added to cluster-scoped kinds", () => {
  const objects = renderServer(
    makeSpawn({
      resources: {
        a: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}\n",
        b: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: {{key}}}\n",
      },
    }),
  ).list();
  assert.deepEqual(
    objects.slice(5).map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
    [
      ["ConfigMap", "a", "jhub"],
      ["ConfigMap", "b", "other"],
      ["ClusterRoleBinding", "jupyter-alice", undefined],
    ],
  );
});

test("operator functions get the context and may return one object, a list or nothing; their values are copied", () => {
  const shared = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared" }, data: { a: "1" } };
  const spawn = makeSpawn({
    resources: {
      a: (ctx) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${ctx.key}-a` } }),
      b: () => [shared],
      c: () => null,
      d: () => undefined,
    },
  });
  const objects = renderServer(spawn).list();
  assert.deepEqual(objects.slice(5).map((o) => o.metadata.name), ["jupyter-alice-a", "shared"]);
  assert.deepEqual(shared.metadata, { name: "shared" }, "the operator's object was not mutated");
});

test("a resource defining a built-in's identity again is an error naming both", () => {
  assert.throws(
    () => renderServer(makeSpawn({ resources: { "20-pod": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{key}}\n" } })),
    /Pod\/jupyter-alice is defined twice: by resource "20-pod" \(config\.ts:200\) and by the built-in objects/,
  );
});

test("malformed sources: one message naming the source, its location and what is missing", () => {
  const ctx = makeSpawn().ctx;
  const cases: Array<[string, unknown, "patch" | "resource", string]> = [
    ["r1", "kind: ConfigMap\nmetadata: {name: x}\n", "resource", 'resource "r1" (config.ts:1), the ConfigMap object has no apiVersion; every resource must set apiVersion'],
    ["p1", "kind: Pod\nmetadata: {}\n", "patch", 'patch "p1" (config.ts:1), the Pod object has no metadata.name; every patch must set metadata.name'],
    ["p2", "- a\n- b\n", "patch", 'patch "p2" (config.ts:1), expected a Kubernetes object (a mapping with kind and metadata.name), got a list'],
    ["p3", "kind: Pod\nmetadata: {name: a}\n---\nmetadata: {name: b}\n", "patch", 'patch "p3" (config.ts:1), document 2: the object has no kind; every patch must set kind'],
    ["p4", "kind: Pod\nmetadata:\n  name: {{ nothing }}\n", "patch", 'patch "p4" (config.ts:1), template line 3: nothing is not defined'],
    ["p5", "kind: Pod\nmetadata:\n  name: a\n  name: b\n", "patch", 'patch "p5" (config.ts:1), template line 4: YAML: Map keys must be unique'],
    ["f1", () => { throw new Error("boom"); }, "resource", 'resource "f1" (config.ts:1): the function threw: boom'],
    ["f2", () => Promise.resolve({}), "resource", 'resource "f2" (config.ts:1), the function returned a Promise; patches and resources must be computed synchronously'],
  ];
  for (const [key, source, what, message] of cases) {
    const named = [{ key, source: source as never, from: "defaults", location: "config.ts:1" }];
    assert.throws(() => renderSources(ctx, named, what), (err: Error) => {
      assert.equal(err.name, "UserError");
      assert.ok(err.message.startsWith(message), `${err.message}\n  should start with\n${message}`);
      return true;
    });
  }
});

test("without a known location the message says where the source came from", () => {
  const named = [{ key: "p", source: "kind: Pod\n", from: "profile gpu", location: undefined }];
  assert.throws(() => renderSources(makeSpawn().ctx, named, "patch"), /^UserError: patch "p" \(profile gpu\), the Pod object has no metadata\.name/);
});
