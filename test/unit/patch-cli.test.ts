/** `mcks patch` end to end: the real CLI process, kubectl's fixtures as expected output. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const MAIN = join(import.meta.dirname, "../../src/main.ts");
const FIXTURES = join(import.meta.dirname, "../fixtures/patch");
const dir = mkdtempSync(join(tmpdir(), "mcks-patch-cli-"));

function fixture(name: string) {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as {
    type: string;
    object: string;
    patch: string;
    output: string | null;
    outputJson: string | null;
    error: string | null;
  };
}

function mcks(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function files(name: string, object: string, patch: string): [string, string] {
  const o = join(dir, `${name}-object.yaml`);
  const p = join(dir, `${name}-patch.yaml`);
  writeFileSync(o, object);
  writeFileSync(p, patch);
  return [o, p];
}

for (const name of ["upstream-02-gpu", "pod-containers-set-order-with-new", "merge-crd", "json-move"]) {
  test(`mcks patch prints what kubectl printed: ${name}`, () => {
    const f = fixture(name);
    const [o, p] = files(name, f.object, f.patch);
    const yaml = mcks("patch", "-f", o, "--patch-file", p, "--type", f.type);
    assert.equal(yaml.stderr, "");
    assert.equal(yaml.code, 0);
    assert.equal(yaml.stdout, f.output);
    const json = mcks("patch", "-f", o, "--patch-file", p, "--type", f.type, "-o", "json");
    assert.equal(json.stdout, f.outputJson);
  });
}

test("without --type a custom resource gets a merge patch, and stderr says so", () => {
  const f = fixture("merge-crd");
  const [o, p] = files("default-type", f.object, f.patch);
  const r = mcks("patch", "-f", o, "--patch-file", p);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, f.output);
  assert.match(r.stderr, /not a built-in kind: applying a JSON merge patch/);
});

test("without --type a built-in kind gets a strategic merge patch", () => {
  const f = fixture("upstream-02-gpu");
  const [o, p] = files("default-strategic", f.object, f.patch);
  const r = mcks("patch", "-f", o, "--patch-file", p);
  assert.equal(r.stdout, f.output);
});

test("errors: one line on stderr, exit code 1, no stack trace", () => {
  const f = fixture("error-missing-merge-key");
  const [o, p] = files("err", f.object, f.patch);
  const r = mcks("patch", "-f", o, "--patch-file", p);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^mcks: cannot patch Pod jupyter-alice: strategic merge patch, at spec\.containers: .*add "name" to it\n$/);

  const missing = mcks("patch", "-f", join(dir, "nope.yaml"), "--patch-file", p);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^mcks: cannot read the object file .*nope\.yaml/);

  const both = mcks("patch", "-f", o);
  assert.match(both.stderr, /exactly one of --patch-file/);
});
