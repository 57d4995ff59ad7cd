/** The Go ordering primitives the strategic merge mirrors, checked against independent oracles. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { goDecodedCapacity, goDeduplicateScalars, goSliceStable } from "../../src/patch/go-order.ts";
import { goYamlKeyLess } from "../../src/patch/kubectl-yaml.ts";
import { patchObject } from "../../src/patch/index.ts";

test("goSliceStable sorts like a stable sort when the comparator is an order (all sizes, past 20-item blocks)", () => {
  fc.assert(
    fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 9 }), id: fc.nat() }), { maxLength: 120 }), (items) => {
      const got = items.slice();
      goSliceStable(got, (a, b) => a.k < b.k);
      const want = items.slice().sort((a, b) => a.k - b.k); // Array.prototype.sort is stable
      assert.deepStrictEqual(got, want);
    }),
  );
});

test("goDeduplicateScalars keeps one of each value, moving the last element into a duplicate's slot", () => {
  assert.deepStrictEqual(goDeduplicateScalars(["a", "b", "a", "c", "d"]), ["a", "b", "d", "c"]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (xs) => {
      const got = goDeduplicateScalars(xs);
      assert.equal(new Set(got).size, got.length);
      assert.deepStrictEqual(new Set(got), new Set(xs));
    }),
  );
});

// Expected order as printed by `kubectl patch --local -o yaml` (1.32) for a ConfigMap with these keys.
test("go-yaml v2 key order: digit runs compare as numbers, letters before other characters", () => {
  const keys = ["a10", "a9", "a", "b", "A", "_x", "1", "10", "2", "a-b", "ab", "a.b", "a01", "a1"];
  const sorted = keys.slice().sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));
  assert.deepStrictEqual(sorted, ["_x", "1", "2", "10", "A", "a", "a-b", "a.b", "a1", "a01", "a9", "a10", "ab", "b"]);
});

test("an empty strategic patch returns an equal copy; inputs are never mutated (property)", () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), tie("map"), fc.array(tie("value"), { maxLength: 3 })),
    map: fc.dictionary(fc.string({ maxLength: 5 }), tie("value"), { maxKeys: 4 }),
  }));
  fc.assert(
    fc.property(json.map, json.map, (rawLabels, rawPatch) => {
      // Through JSON: plain objects (fast-check may build null-prototype ones), own "__proto__" keys.
      const labels: unknown = JSON.parse(JSON.stringify(rawLabels));
      const patchLabels: unknown = JSON.parse(JSON.stringify(rawPatch));
      const target = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: labels };
      const before = JSON.stringify(target);
      assert.deepStrictEqual(patchObject(target, {}, "strategic"), target);
      try {
        patchObject(target, { data: patchLabels }, "strategic");
        patchObject(target, { data: patchLabels }, "merge");
      } catch {
        // Odd shapes may be refused (as kubectl refuses them); the target must still be intact.
      }
      assert.equal(JSON.stringify(target), before);
    }),
  );
});

test("goDecodedCapacity: Go's append growth for decoded JSON arrays", () => {
  assert.deepStrictEqual([0, 1, 2, 3, 4, 5, 8, 9, 17, 100, 256, 257].map(goDecodedCapacity), [0, 1, 2, 4, 4, 8, 8, 16, 32, 128, 256, 512]);
});
