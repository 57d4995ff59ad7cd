import assert from "node:assert/strict";
import { test } from "node:test";
import { checkTemplate, renderTemplate, TemplateError } from "../../src/render/template.ts";
import { makeSpawn } from "./render-fixture.ts";

const ctx = makeSpawn({ options: { gpu: "yes", image: "other" }, settings: { memLimit: 1024 } }).ctx;

test("upstream's {{key}} and jinja-style {{ key }} both interpolate; context fields are variables", () => {
  const [doc] = renderTemplate(
    `
a: {{key}}
b: {{ key }}-dask
ns: {{namespace}}
user: {{ user.name }}
prefix: {{ prefix }}
profile: {{ profile.slug }}
cluster: {{ cluster.name }}
opt: {{ options.gpu }}
mem: {{ spawn.memLimit }}
names: [{{ username }}, "{{ servername }}"]
`,
    ctx,
  );
  assert.deepEqual(doc, {
    a: "jupyter-alice",
    b: "jupyter-alice-dask",
    ns: "jhub",
    user: "alice",
    prefix: "/user/alice/",
    profile: "aws",
    cluster: "aws",
    opt: "yes",
    mem: 1024,
    names: ["alice", ""],
  });
});

test("{{# }} control flow; a line holding only such a tag disappears with its indentation", () => {
  const template = `
kind: Pod
metadata:
  name: {{key}}
  {{# if (options.gpu === "yes") { }}
  annotations:
    gpu: "true"
  {{# } else { }}
  annotations:
    gpu: "false"
  {{# } }}
spec:
  tolerations:
  {{# for (const k of ["a", "b"]) { }}
  - key: {{ k }}
  {{# } }}
`;
  assert.deepEqual(renderTemplate(template, ctx), [
    { kind: "Pod", metadata: { name: "jupyter-alice", annotations: { gpu: "true" } }, spec: { tolerations: [{ key: "a" }, { key: "b" }] } },
  ]);
  const noGpu = makeSpawn({ options: { gpu: "no" } }).ctx;
  assert.deepEqual(renderTemplate(template, noGpu)[0], {
    kind: "Pod",
    metadata: { name: "jupyter-alice", annotations: { gpu: "false" } },
    spec: { tolerations: [{ key: "a" }, { key: "b" }] },
  });
});

test("typing: a whole plain scalar keeps the value's type; quoted or inside text it is text", () => {
  const weird = makeSpawn({ user: "true", options: { n: "123", nul: "null" } }).ctx;
  const [doc] = renderTemplate(
    `
port: {{ spawn.port }}
portText: "{{ spawn.port }}"
portSuffix: {{ spawn.port }}0
sa: {{ spawn.serviceAccount }}
user: {{ user.name }}
num: {{ options.n }}
nul: {{ options.nul }}
missing: {{ cluster.ingressClass }}
missingInText: x{{ cluster.ingressClass }}y
groups: {{ ["a", "b"] }}
`,
    weird,
  );
  assert.deepEqual(doc, {
    port: 8888,
    portText: "8888",
    portSuffix: "88880",
    sa: true,
    user: "true",
    num: "123",
    nul: "null",
    missing: null,
    missingInText: "xy",
    groups: ["a", "b"],
  });
});

test("several documents; empty ones are dropped", () => {
  const docs = renderTemplate("---\na: 1\n---\n---\nb: {{key}}\n...\n", ctx);
  assert.deepEqual(docs, [{ a: 1 }, { b: "jupyter-alice" }]);
  assert.deepEqual(renderTemplate("# nothing\n", ctx), []);
});

test("{{~ }} pastes raw text (operator values only)", () => {
  assert.deepEqual(renderTemplate('{{~ "a: 1\\nb: 2" }}\n', ctx), [{ a: 1, b: 2 }]);
});

test("YAML 1.1 as kubectl reads it: yes/on are booleans, merge keys work, 1:20 and dates stay strings", () => {
  const [doc] = renderTemplate("a: yes\nb: on\nbase: &b {x: 1}\nc: {<<: *b, z: 2}\nt: 1:20\nd: 2024-01-01\n", ctx);
  assert.deepEqual(doc, { a: true, b: true, base: { x: 1 }, c: { x: 1, z: 2 }, t: "1:20", d: "2024-01-01" });
  // Even keys: `kubectl patch --local` turns data keys y/n/on/yes into "true"/"false" too.
  assert.deepEqual(renderTemplate("data:\n  y: '2'\n  n: '3'\n", ctx), [{ data: { true: "2", false: "3" } }]);
});

test("compiled once: the same template renders different users correctly", () => {
  const template = "name: {{key}}\nuser: {{ user.name }}\n";
  for (const user of ["alice", "bob", "x: y", "alice"]) {
    const c = makeSpawn({ user }).ctx;
    assert.deepEqual(renderTemplate(template, c), [{ name: c.key, user }]);
  }
});

function errorOf(template: string): TemplateError {
  try {
    renderTemplate(template, ctx);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

test("errors carry the template line", () => {
  let e = errorOf("a: 1\nb: 2\nc: {{ nope.x }}\n");
  assert.equal(e.line, 3);
  assert.match(e.message, /nope is not defined/);

  e = errorOf("a: 1\nb: {{ key ) }}\n");
  assert.equal(e.line, 2);
  assert.match(e.message, /JavaScript syntax error/);

  e = errorOf("a: 1\n\n{{# if (x { }}\nc: 1\n{{# } }}\n");
  assert.equal(e.line, 3);

  e = errorOf("a: 1\nb: {{ key\n");
  assert.equal(e.line, 2);
  assert.equal(e.message, "a {{ tag is not closed with }}");

  e = errorOf("a: 1\nb: [1, 2\nc: 3\n");
  assert.match(e.message, /^YAML: /);
  assert.equal(e.renderedLine, false);
  assert.equal(typeof e.line, "number");

  e = errorOf("a: 1\na: 2\n");
  assert.match(e.message, /Map keys must be unique/);
  assert.equal(e.line, 2);
});

test("with control flow, YAML error lines count lines of the rendered text, and say so", () => {
  const e = errorOf("{{# if (true) { }}\na: 1\n{{# } }}\nb: [\n");
  assert.equal(e.renderedLine, true);
});

test("only standalone {{# }} lines vanish: inline tags keep their text, CRLF templates work", () => {
  assert.deepEqual(renderTemplate('a: {{# if (options.gpu === "yes") { }}gpu{{# } else { }}cpu{{# } }}\nb: 1\n', ctx), [{ a: "gpu", b: 1 }]);
  assert.deepEqual(renderTemplate("a: 1\r\n  {{# if (true) { }}\r\nb: 2\r\n{{# } }}", ctx), [{ a: 1, b: 2 }]);
  assert.deepEqual(renderTemplate("\t{{# const n = 3 }}\ncount: {{ n }}\nliteral: 'a\\\\n {{ key }}'\n", ctx), [{ count: 3, literal: "a\\\\n jupyter-alice" }]);
});

test("checkTemplate finds syntax problems without a spawn (for mcks validate)", () => {
  assert.equal(checkTemplate("a: {{key}}\n"), undefined);
  const e = checkTemplate("a: 1\nb: {{ key ) }}\n");
  assert.ok(e instanceof TemplateError);
  assert.equal(e.line, 2);
});

test("flow mappings ending in }} are plain text; a literal {{ is written {{~ \"{{\" }}", () => {
  assert.deepEqual(renderTemplate("a: {b: {c: {{ spawn.port }}}}\n", ctx), [{ a: { b: { c: 8888 } } }]);
  assert.deepEqual(renderTemplate("helm: '{{~ \"{{\" }} .Values.x }}'\n", ctx), [{ helm: "{{ .Values.x }}" }]);
});
