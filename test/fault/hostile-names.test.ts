/**
 * Hostile input, names: 10,000 random (user, server) pairs — YAML and template syntax, control
 * characters, any Unicode, URL-special characters, very long names — through serverKey and the
 * whole render + patch pipeline. test/unit/render-hostile-names.test.ts checks a fixed list and
 * test/unit/names-safe-name.test.ts the key alone; this runs the same invariants on generated
 * names: every key is a valid DNS label and no two pairs share one; every object has exactly the
 * structure a benign name gives; the raw names survive in annotations; a name Kubernetes cannot
 * route is refused with a UserError, never an internal error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { UserError } from "../../src/errors.ts";
import { serverKey } from "../../src/names/safe-name.ts";
import type { KubeObject } from "../../src/objects/types.ts";
import { makeSpawn, paths, renderAll } from "../unit/render-fixture.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const validLabel = (s: string): boolean => s.length <= 63 && DNS_LABEL.test(s);

// Operator templates that put the names into values: their structure must not depend on them.
const PATCHES = {
  "01-annotations": `
kind: Pod
metadata:
  name: {{key}}
  annotations:
    owner: {{ user.name }}
    server: "{{ server.name }}"
`,
};

const pieces = fc.constantFrom(
  ":", ": ", "\n", "\r\n", "- ", "#", " #", "{{", "}}", "{{key}}", "{{ user.name }}", "<%", "%>", "'", '"', "---", "...", "&a", "*a",
  "!!str", "|", ">", "%", "@", "`", "\\", "\t", " ", "/", "..", ".", "?", "=", ",", "[", "]", "{", "}", "\u0000", "\u2028", "\u00e9", "e\u0301",
  "例え", "🦄", "Ω", "ß", "İ", "a", "b", "z", "0", "9", "-", "_", "jupyter-", "--",
);
const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.array(pieces, { maxLength: 12 }).map((a) => a.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("a", "A", "-", ".", "@", "1"), minLength: 55, maxLength: 90 }) },
);

function render(user: string, server: string): KubeObject[] {
  return renderAll(makeSpawn({ user, server, groups: [user], patches: PATCHES }));
}

test("10,000 hostile (user, server) names: valid unique keys, unchanged structure, raw names kept, or a UserError", () => {
  const benign = render("alice", "").map((o) => paths(o));
  const benignNamed = render("alice", "gpu").map((o) => paths(o));
  const owner = new Map<string, string>();
  let refused = 0;
  fc.assert(
    fc.property(hostile.filter((u) => u !== ""), fc.oneof(fc.constant(""), hostile), (user, server) => {
      const pair = JSON.stringify([user, server]);
      const key = serverKey(user, server);
      assert.ok(validLabel(key), `key ${key} of ${pair}`);
      const seen = owner.get(key);
      assert.ok(seen === undefined || seen === pair, `key ${key} shared by ${seen} and ${pair}`);
      owner.set(key, pair);

      let objects: KubeObject[];
      try {
        objects = render(user, server);
      } catch (err) {
        // Only one refusal is expected: a prefix Kubernetes rejects as an Ingress path.
        assert.ok(err instanceof UserError, `internal error for ${pair}: ${String(err)}`);
        assert.match(err.message, /Ingress path/, `refusal for ${pair}`);
        refused += 1;
        return;
      }
      assert.deepEqual(objects.map((o) => paths(o)), server === "" ? benign : benignNamed, `structure for ${pair}`);
      for (const o of objects) {
        assert.ok(validLabel(o.metadata.name), `name ${o.metadata.name} for ${pair}`);
        assert.equal(o.metadata.labels?.["mcks.hub.jupyter.org/key"], key);
        for (const l of ["hub.jupyter.org/username", "hub.jupyter.org/servername"]) {
          const v = o.metadata.labels?.[l] ?? "";
          assert.ok(v === "" || validLabel(v), `label ${l}=${v} for ${pair}`);
        }
        assert.equal(o.metadata.annotations?.["hub.jupyter.org/username"], user);
        assert.equal(o.metadata.annotations?.["hub.jupyter.org/servername"], server);
      }
      const pod = objects.find((o) => o.kind === "Pod");
      assert.equal(pod?.metadata.annotations?.owner, user);
      assert.equal(pod?.metadata.annotations?.server, server);
    }),
    { numRuns: 10_000 },
  );
  assert.ok(owner.size > 9000, `${owner.size} distinct pairs generated`);
  console.error(`# ${owner.size} distinct pairs, ${refused} refused as unroutable`);
});
