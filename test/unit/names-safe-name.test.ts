import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { safeName, serverKey } from "../../src/names/safe-name.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

const anyName = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 90 }),
  fc.string({ unit: fc.constantFrom("a", "b", "-", "A", ".", "@", "_", "1", " "), maxLength: 70 }),
  fc.constantFrom("alice", "Alice", "a--b", "a-", "-a", "x\nkind: Secret", "{{key}}", "例え", "🦄", "a".repeat(63), "a".repeat(64)),
);

test("safe names are kept as they are", () => {
  for (const n of ["alice", "bob-2", "a", "0", "a".repeat(63)]) assert.equal(safeName(n), n);
  assert.equal(safeName(""), "");
  assert.equal(serverKey("alice", ""), "jupyter-alice");
  assert.equal(serverKey("alice", "gpu"), "jupyter-alice--gpu");
});

test("escaped names: readable slug plus a hash, distinct for Alice and alice", () => {
  assert.match(safeName("Alice"), /^alice---[0-9a-f]{12}$/);
  assert.notEqual(safeName("Alice"), safeName("alice"));
  assert.notEqual(serverKey("Alice", ""), serverKey("alice", ""));
  assert.match(serverKey("a.b@example.org", ""), /^jupyter-a-b-example-org---[0-9a-f]{12}$/);
  const long = `${"a".repeat(70)}@example.org`;
  assert.equal(serverKey(long, "").length, 63);
  assert.equal(safeName(long).length, 63);
});

test("property: every safeName is a valid label, and different names never share one", () => {
  const seen = new Map<string, string>();
  fc.assert(
    fc.property(anyName, (raw) => {
      const s = safeName(raw);
      assert.ok(raw === "" ? s === "" : validLabel(s), `${JSON.stringify(raw)} → ${s}`);
      const prev = seen.get(s);
      assert.ok(prev === undefined || prev === raw, `${JSON.stringify(prev)} and ${JSON.stringify(raw)} → ${s}`);
      seen.set(s, raw);
    }),
    { numRuns: 2000 },
  );
});

test("property: every key is a valid label, and different (user, server) pairs never share one", () => {
  const seen = new Map<string, string>();
  fc.assert(
    fc.property(anyName, fc.oneof(fc.constant(""), anyName), (user, server) => {
      const k = serverKey(user, server);
      assert.ok(validLabel(k), `${JSON.stringify([user, server])} → ${k}`);
      assert.ok(k.startsWith("jupyter"), k);
      const id = JSON.stringify([user, server]);
      const prev = seen.get(k);
      assert.ok(prev === undefined || prev === id, `${prev} and ${id} → ${k}`);
      seen.set(k, id);
    }),
    { numRuns: 2000 },
  );
});

test("no escaped key can equal an unescaped one (a user cannot pick another's key)", () => {
  // Unescaped keys never contain "---"; escaped ones always do.
  fc.assert(
    fc.property(anyName, fc.oneof(fc.constant(""), anyName), (user, server) => {
      const k = serverKey(user, server);
      const plain = server === "" ? `jupyter-${user}` : `jupyter-${user}--${server}`;
      assert.equal(k === plain, !k.includes("---"));
    }),
    { numRuns: 1000 },
  );
  // The obvious attempts.
  assert.notEqual(serverKey("a--b", ""), serverKey("a", "b"));
  assert.notEqual(serverKey("a", "b--c"), serverKey("a--b", "c"));
});
