/**
 * One rule for Kubernetes quantities: what the config's schema accepts for storage capacity and
 * extra resources is what render can read and what the API server accepts (its quantity grammar).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseQuantity } from "../../src/config/kube-quantity.ts";
import { NATIVE_VALUE_SCHEMAS } from "../../src/config/native-schema.ts";

const ACCEPTED: ReadonlyArray<readonly [string, number]> = [
  ["1", 1],
  ["500m", 0.5],
  ["100n", 1e-7],
  ["5u", 5e-6],
  ["10Gi", 10 * 2 ** 30],
  ["1.5G", 1.5e9],
  ["10k", 1e4],
  ["1e3", 1000],
  ["2E", 2e18],
  ["+1", 1],
  ["1.", 1],
  [".5", 0.5],
];
/** Refused by the API server: no "K" decimal suffix, no spaces, no unit alone, no "B". */
const REFUSED = ["10K", "1 Gi", " 1Gi", "Gi", "1KiB", "1e", "", "1.2.3", "0x10"];

test("the schema and render read quantities by the same rule, as Kubernetes does", () => {
  const capacity = (s: string) => NATIVE_VALUE_SCHEMAS.storage.safeParse({ capacity: s }).success;
  const limit = (s: string) => NATIVE_VALUE_SCHEMAS.extraResourceLimits.safeParse({ "nvidia.com/gpu": s }).success;
  for (const [q, value] of ACCEPTED) {
    assert.ok(Math.abs((parseQuantity(q) ?? Number.NaN) - value) <= value * 1e-12, `${q} reads as ${value}`);
    assert.ok(capacity(q) && limit(q), `the schema accepts ${JSON.stringify(q)}`);
  }
  for (const q of REFUSED) {
    assert.equal(parseQuantity(q), undefined, `render refuses ${JSON.stringify(q)}`);
    assert.ok(!capacity(q) && !limit(q), `the schema refuses ${JSON.stringify(q)}`);
  }
  assert.equal(parseQuantity("-1"), -1, "a quantity may be negative");
  assert.ok(!capacity("-1Gi") && !limit("-1"), "a capacity or a resource may not");
});
