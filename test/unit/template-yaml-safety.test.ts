/**
 * The security property of templates: a value (user name, server name, option text) can
 * never add a key, an item or a document, whatever it holds. Checked on fixed hostile
 * strings and on random ones built from YAML's special characters.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { renderTemplate } from "../../src/render/template.ts";
import { makeSpawn } from "./render-fixture.ts";

const TEMPLATE = `
kind: ConfigMap
metadata:
  name: {{key}}
  annotations:
    plain: {{ options.v }}
    suffixed: pre-{{ options.v }}-post
    double: "{{ options.v }}"
    single: '{{ options.v }}'
    literal: |
      {{ options.v }}
    folded: >
      {{ options.v }}
data:
  flow: [{{ options.v }}, x]
  flowmap: {a: {{ options.v }}, b: why}
  list:
  - {{ options.v }}
  - last
  {{ options.v }}: as-key
  # a comment {{ options.v }}
`;

function expected(v: string): unknown[] {
  const data: Record<string, unknown> = { flow: [v, "x"], flowmap: { a: v, b: "why" }, list: [v, "last"] };
  Object.defineProperty(data, v, { value: "as-key", enumerable: true, writable: true, configurable: true });
  return [
    {
      kind: "ConfigMap",
      metadata: {
        name: "jupyter-alice",
        annotations: { plain: v, suffixed: `pre-${v}-post`, double: v, single: v, literal: `${v}\n`, folded: `${v}\n` },
      },
      data,
    },
  ];
}

function check(v: string): void {
  const ctx = makeSpawn({ options: { v } }).ctx;
  assert.deepEqual(renderTemplate(TEMPLATE, ctx), expected(v), `value ${JSON.stringify(v)}`);
}

const HOSTILE = [
  "x\nkind: Secret",
  "x\n---\nkind: Secret\nmetadata: {name: evil}",
  "{{key}}",
  "{{# throw new Error('x') }}",
  "a: b",
  "- item",
  "---",
  "...",
  "#x",
  " # x",
  "&anchor",
  "*alias",
  "!!binary AAAA",
  "<<",
  "__proto__",
  "constructor",
  "'",
  '"',
  "\\",
  "|",
  ">",
  "[a, b]",
  "{a: b}",
  "? complex",
  "%YAML 1.2",
  "true",
  "null",
  "123",
  "0x1F",
  "~",
  "",
  "   ",
  "\t",
  "line1\r\nline2",
  "jürgen.o'brien@例え.jp",
  "🦄\u0000\u202e",
  "a".repeat(80) + "@example.org",
];

test("fixed hostile values land in exactly one scalar (or one key), never in the structure", () => {
  for (const v of HOSTILE) {
    if (["flow", "flowmap", "list"].includes(v)) continue;
    check(v);
  }
});

test("random values built from YAML's special characters never change the structure", () => {
  const special = fc.constantFrom(":", "-", " ", "\n", "#", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`", "?", "a", "\t", "\\", "---", "{{", "}}", "~", "\r");
  const value = fc.oneof(fc.string({ unit: special, maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom(...HOSTILE));
  fc.assert(
    fc.property(value.filter((v) => !["flow", "flowmap", "list"].includes(v)), (v) => {
      check(v);
    }),
    { numRuns: 500 },
  );
});

test("two values that become the same key are an error, not a silent overwrite", () => {
  const ctx = makeSpawn({ options: { a: "k", b: "k" } }).ctx;
  assert.throws(() => renderTemplate("{{ options.a }}: 1\n{{ options.b }}: 2\n", ctx), /both became "k"/);
});

test("a value shaped like a sentinel cannot stand in for another value", () => {
  // Values are substituted after parsing and never re-scanned, so guessing the token is useless.
  const first = renderTemplate("a: {{ options.x }}\nb: {{ options.y }}\n", makeSpawn({ options: { x: "1", y: "2" } }).ctx);
  assert.deepEqual(first, [{ a: "1", b: "2" }]);
  const forged = renderTemplate("a: {{ options.x }}\nb: {{ options.y }}\n", makeSpawn({ options: { x: "mcks0000000000v1x", y: "2" } }).ctx);
  assert.deepEqual(forged, [{ a: "mcks0000000000v1x", b: "2" }]);
});
