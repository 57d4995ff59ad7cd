/**
 * Hostile input, configs: random mutations of config.example.ts (lines deleted, duplicated or
 * swapped, values replaced by wrong types, stray characters, truncation) never crash the
 * loader: it either succeeds or throws a UserError with a message — never an internal error.
 * A sample also goes through the product binary (`mcks validate`): exit 0 or 1, one message,
 * no stack trace.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { loadConfig } from "../../src/config/load.ts";
import { UserError } from "../../src/errors.ts";

const root = join(import.meta.dirname, "../..");
// The copy lives in a temp folder: its relative imports point back at the repository's plugins.
const original = readFileSync(join(root, "config.example.ts"), "utf8").replaceAll('from "./plugins/', `from "${root}/plugins/`);
const lines = original.split("\n");
const dir = mkdtempSync(join(tmpdir(), "mcks-hostile-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const values = fc.constantFrom(
  "-1", "0", "1e309", "NaN", "null", "undefined", "true", "{}", "[]", '""', '"{{"', '"{{ nope }}"', '"\\u0000"', "'x: {y'",
  "() => { throw new Error('boom') }", "Symbol('s')", "new Date()", "[[[]]]", '"999999999999999999999Gi"', '"-5"', "{ a: 1 }", "Promise.resolve(1)",
);
// A rejected promise as a value has a test of its own below (it failed only when a mutation happened to put it where it runs).
type Mutation =
  | { kind: "delete" | "duplicate"; line: number }
  | { kind: "swap"; line: number; other: number }
  | { kind: "replace"; line: number; nth: number; value: string }
  | { kind: "insert"; at: number; text: string }
  | { kind: "truncate"; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("delete" as const, "duplicate" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), line: fc.nat(), nth: fc.nat(4), value: values }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom("{", "}", "(", ",", "`", "${", "'", "//", "/*", "\u0000", ":", "\n---\n"), fc.string({ maxLength: 6 })) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Applies the mutations in order; values replace the nth literal/identifier after a `:` on a line. */
function mutate(ms: readonly Mutation[]): string {
  let ls = [...lines];
  for (const m of ms) {
    const i = "line" in m ? m.line % ls.length : 0;
    if (m.kind === "delete") ls.splice(i, 1);
    else if (m.kind === "duplicate") ls.splice(i, 0, ls[i]!);
    else if (m.kind === "swap") {
      const j = m.other % ls.length;
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
    } else if (m.kind === "replace") {
      let n = 0;
      ls[i] = ls[i]!.replace(/:\s*("[^"]*"|'[^']*'|[\w.]+)/g, (whole) => (n++ === m.nth ? `: ${m.value}` : whole));
    } else if (m.kind === "insert" || m.kind === "truncate") {
      const text = ls.join("\n");
      const at = m.at % (text.length + 1);
      ls = (m.kind === "insert" ? text.slice(0, at) + m.text + text.slice(at) : text.slice(0, at)).split("\n");
    }
  }
  return ls.join("\n");
}

let n = 0;
function write(source: string): string {
  const file = join(dir, `config-${n++}.ts`);
  writeFileSync(file, source);
  return file;
}

test("the unmutated copy loads (the mutations start from a valid config)", async () => {
  await loadConfig(write(original));
});

test("300 mutated configs: success or a UserError, never an internal error", async () => {
  const outcomes = { ok: 0, userError: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
      const file = write(mutate(ms));
      try {
        await loadConfig(file);
        outcomes.ok += 1;
      } catch (err) {
        assert.ok(err instanceof UserError, `not a UserError for ${JSON.stringify(ms)}: ${err instanceof Error ? err.stack : String(err)}`);
        assert.ok(err.message.trim().length > 0, "a message");
        outcomes.userError += 1;
      }
    }),
    { numRuns: 300 },
  );
  console.error(`# ${outcomes.ok} loaded, ${outcomes.userError} refused with a UserError`);
  assert.ok(outcomes.userError > 50, "the mutations do break configs");
});

test("mcks validate (the binary) on 25 mutated configs: exit 0 or 1, a message, no stack trace", () => {
  const bin = process.env.MCKS_BIN ?? join(root, "dist/mcks");
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
      const file = write(mutate(ms));
      const r = spawnSync(bin, ["validate", "-c", file], { encoding: "utf8", timeout: 60_000 });
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status ?? r.signal} for ${JSON.stringify(ms)}: ${r.stderr}`);
      if (r.status === 1) assert.ok(r.stderr.trim().length > 0, "a message on stderr");
      assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace for ${JSON.stringify(ms)}:\n${r.stderr}`);
    }),
    { numRuns: 25 },
  );
});

test("a rejected promise as a config value is reported as a problem, not an unhandled rejection (in-process and in mcks validate)", async () => {
  const source = original.replace(/cpuLimit: [^,\n]+,/, 'cpuLimit: Promise.reject(new Error("not a quantity")),');
  assert.notEqual(source, original, "the example sets a cpuLimit to replace");
  const file = write(source);
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(String(reason));
  process.on("unhandledRejection", onUnhandled);
  try {
    await assert.rejects(loadConfig(file), (err: unknown) => err instanceof UserError && /cpuLimit/.test(err.details.join("\n")));
    await new Promise((r) => setTimeout(r, 100)); // unhandled rejections are reported after a macrotask
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  assert.deepEqual(unhandled, [], "the loader left the config's rejected promise unhandled (src/config/load.ts settle() awaits only the top level)");
  const r = spawnSync(process.env.MCKS_BIN ?? join(root, "dist/mcks"), ["validate", "-c", file], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `mcks validate printed a stack trace:\n${r.stderr}`);
});
