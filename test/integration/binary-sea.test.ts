/**
 * dist/mcks is one file that runs from any folder, with no node_modules and an empty
 * environment, and prints nothing it was not asked to (no SEA or experimental warnings).
 * Builds the binary first when it is missing or older than its sources.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BINARY, ROOT, binaryIsStale } from "../../build/paths.ts";

let dir = "";
let mcks = "";

/** Runs the copied binary in the temp folder with an empty environment (like `env -i`). */
function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(mcks, args, { cwd: dir, env: {}, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  if (binaryIsStale()) {
    const r = spawnSync(process.execPath, [join(ROOT, "build", "build.ts")], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), "mcks-bin-"));
  // A copy far from the repository proves nothing is read from its node_modules.
  mcks = join(dir, "mcks");
  copyFileSync(BINARY, mcks);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("dist/mcks (Node SEA)", () => {
  test("--version prints the package version and nothing else", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = run("--version");
    assert.equal(r.stderr, "");
    assert.equal(r.stdout.trim(), version);
    assert.equal(r.status, 0);
  });

  test("--help lists the commands on stdout, no warnings on stderr", () => {
    const r = run("--help");
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^mcks <subcommand>/);
    assert.match(r.stdout, /- types - /);
    assert.equal(r.status, 0);
  });

  test("an unknown command fails with a short message, no stack trace", () => {
    const r = run("no-such-command");
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /Not a valid subcommand name/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  test("types --out writes the embedded declarations and a package.json beside them", () => {
    const out = join(dir, "node_modules", "multicluster-kubespawner", "index.d.ts");
    const r = run("types", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /wrote .*index\.d\.ts/);
    assert.match(r.stderr, /"paths": \{ "multicluster-kubespawner"/);
    const dts = readFileSync(out, "utf8");
    // The text baked in at build time is the same the build wrote to dist/index.d.ts.
    assert.equal(dts, readFileSync(join(ROOT, "dist", "index.d.ts"), "utf8"));
    assert.match(dts, /export declare function defineConfig/);
    assert.ok(existsSync(join(dir, "node_modules", "multicluster-kubespawner", "package.json")));
  });

  test("types --out to an impossible path is one clear error", () => {
    const r = run("types", "--out", "/etc/hostname/mcks.d.ts");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mcks: cannot write the declarations to \/etc\/hostname\/mcks\.d\.ts: .*choose a writable --out path\n$/);
  });
});
