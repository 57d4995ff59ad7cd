/**
 * Hostile and unusual user/server names through the whole render + patch pipeline: every
 * object name stays a valid DNS-1123 label ≤ 63, keys never collide, the objects have exactly
 * the structure a benign name gives, and the raw name survives in the annotations.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../src/objects/types.ts";
import { makeSpawn, paths, renderAll } from "./render-fixture.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Built-in objects (Pod, Service…) need DNS-1123 labels; the operator's `{{key}}-info` a subdomain. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

// Operator templates that use names in values (the structure must not depend on them).
const PATCHES = {
  "01-annotations": `
kind: Pod
metadata:
  name: {{key}}
  annotations:
    owner: {{ user.name }}
    server: "{{ server.name }}"
    owner-and-server: {{ user.name }}/{{ server.name }}
`,
};
const RESOURCES = {
  "10-config": `
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{key}}-info
data:
  user: {{ user.name }}
  prefix: {{ prefix }}
  groups: {{ user.groups }}
`,
};

const NAMES: Array<[string, string]> = [
  ["x\nkind: Secret", ""],
  ["{{key}}", ""],
  ["a: b", "- item"],
  ["---", "#x"],
  ["#x", "---"],
  ["- item", "a: b"],
  [`${"a".repeat(60)}.${"b".repeat(10)}@example.org`, ""],
  ["jürgen.o'brien@例え.jp", "データ"],
  ["Alice", ""],
  ["alice", ""],
  ["alice", "Gpu Server"],
  ["alice", "gpu"],
  ["🦄", "🦄"],
  ["0", ""],
  ["a--b", ""],
  ["a", "b--c"],
  ["a--b", "c"],
  ["jupyter-x", ""],
];

function render(user: string, server: string): KubeObject[] {
  return renderAll(makeSpawn({ user, server, groups: [user], patches: PATCHES, resources: RESOURCES, settings: { environment: { WHO: (c) => c.user.name } } }));
}

test("names stay valid, unique per (user, server), and the structure never changes", () => {
  const benign = render("alice", "").map((o) => paths(o));
  const benignNamed = render("alice", "gpu").map((o) => paths(o));
  const keys = new Map<string, string>();
  for (const [user, server] of NAMES) {
    const objects = render(user, server);
    assert.deepEqual(objects.map((o) => paths(o)), server === "" ? benign : benignNamed, `structure for ${JSON.stringify([user, server])}`);
    const key = objects[0]?.metadata.name ?? "";
    const seen = keys.get(key);
    assert.ok(seen === undefined || seen === JSON.stringify([user, server]), `key ${key} shared by ${seen} and ${JSON.stringify([user, server])}`);
    keys.set(key, JSON.stringify([user, server]));
    for (const o of objects) {
      if (o.kind === "ConfigMap") assert.ok(o.metadata.name.length <= 253 && DNS_SUBDOMAIN.test(o.metadata.name), `name ${o.metadata.name}`);
      else assert.ok(o.metadata.name.length <= 63 && DNS_LABEL.test(o.metadata.name), `name ${o.metadata.name}`);
      const labels = o.metadata.labels ?? {};
      for (const l of ["hub.jupyter.org/username", "hub.jupyter.org/servername", "mcks.hub.jupyter.org/key"]) {
        const v = labels[l] ?? "";
        assert.ok(v === "" || (v.length <= 63 && DNS_LABEL.test(v)), `label ${l}=${v}`);
      }
      assert.equal(o.metadata.annotations?.["hub.jupyter.org/username"], user);
      assert.equal(o.metadata.annotations?.["hub.jupyter.org/servername"], server);
    }
    const pod = objects.find((o) => o.kind === "Pod");
    assert.equal(pod?.metadata.annotations?.owner, user);
    assert.equal(pod?.metadata.annotations?.server, server);
    assert.equal(pod?.metadata.annotations?.["owner-and-server"], `${user}/${server}`);
    const cm = objects.find((o) => o.kind === "ConfigMap");
    assert.deepEqual((cm as { data?: unknown }).data, { user, prefix: makeSpawn({ user, server }).ctx.prefix, groups: [user] });
  }
  assert.equal(keys.size, NAMES.length);
});

test("the ingress path is the hub's percent-encoded prefix, never raw text", () => {
  const objects = render("a b?c#d", "x y");
  const ingress = objects.find((o) => o.kind === "Ingress");
  const path = (ingress?.spec as { rules: Array<{ http: { paths: Array<{ path: string }> } }> }).rules[0]?.http.paths[0]?.path;
  assert.equal(path, "/user/a%20b%3Fc%23d/x%20y/");
});

test("names whose URL Kubernetes refuses as an Ingress path fail early with the reason", () => {
  assert.throws(() => render("a/b", ""), {
    name: "UserError",
    message:
      'the server URL prefix "/user/a%2Fb/" (user "a/b") contains "%2F", which Kubernetes does not accept in an Ingress path; have the hub\'s authenticator normalise such names (e.g. Authenticator.username_map)',
  });
  assert.throws(() => render("..", ""), /contains "\/\.\.\/"/);
  assert.throws(() => render("alice", "."), /contains "\/\.\/"/);
});
