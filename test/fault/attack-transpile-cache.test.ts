/**
 * Attack (issue 11, finding 1): another local user plants transpiled "config" code in the cache
 * mcks reads, hoping `mcks validate` (often run as root) executes it. HOME=/tmp-like shared
 * folders and world-writable cache folders are the ways in. The product binary must refuse the
 * cache (one warning naming it), transpile the real file, and never run the planted code.
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cacheFile } from "../../src/config/transpile.ts";
import { mcks } from "./mcks-cli.ts";

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "mcks-attack-cache-"));
after(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = `export default {
  clusters: { aws: { context: "aws", ingressPublicUrl: "https://aws.example.org" } },
  profiles: [{ slug: "small", displayName: "Small", cluster: "aws" }],
};
`;

/** A config file, and the code an attacker writes where its cache entry would be in `cacheDir`. */
function plant(cacheDir: string, name: string): { config: string; marker: string } {
  const config = join(work, `${name}.config.ts`);
  writeFileSync(config, CONFIG);
  const marker = join(work, `${name}.pwned`);
  const code = `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran as uid " + process.getuid()); module.exports = ${"{"} default: ${"{"} clusters: {}, profiles: [] } };`;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile(cacheDir, CONFIG), code, { mode: 0o644 });
  return { config, marker };
}

/** A folder like /tmp: root-owned (or ours), world-writable, sticky. */
function sharedHome(name: string): string {
  const home = join(work, name);
  mkdirSync(home);
  chmodSync(home, 0o1777);
  return home;
}

function chownTree(paths: readonly string[], uid: number): void {
  for (const p of paths) chownSync(p, uid, uid);
}

function validateRefusesCache(config: string, marker: string, env: NodeJS.ProcessEnv, cacheShown: string): void {
  const r = mcks(["validate", "-c", config], env);
  assert.equal(existsSync(marker), false, "the planted cache code ran");
  assert.equal(r.status, 0, `validate failed:\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /not using the transpile cache/, `no warning about the unsafe cache:\n${r.stderr}`);
  assert.ok(r.stderr.includes(cacheShown), `the warning does not name ${cacheShown}:\n${r.stderr}`);
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.MCKS_CACHE_DIR;
  delete env.XDG_CACHE_HOME;
  return env;
};

describe("attack: code planted in the transpile cache", () => {
  it("a world-writable cache folder is refused and its code never runs", () => {
    const dir = join(work, "ww-cache");
    const { config, marker } = plant(dir, "ww");
    chmodSync(dir, 0o777);
    validateRefusesCache(config, marker, { ...baseEnv(), MCKS_CACHE_DIR: dir }, dir);
  });

  it("HOME in a shared sticky folder: a ~/.cache/mcks/transpile made by another user is refused", () => {
    assert.ok(isRoot, "this attack needs a second user: run the fault tests as root (CI does)");
    const home = sharedHome("home-other-leaf");
    const dir = join(home, ".cache/mcks/transpile");
    const { config, marker } = plant(dir, "leaf");
    chownTree([join(home, ".cache"), join(home, ".cache/mcks"), dir, cacheFile(dir, CONFIG)], NOBODY);
    validateRefusesCache(config, marker, { ...baseEnv(), HOME: home }, dir);
  });

  it("a cache folder of ours below another user's folder is refused (they could swap it)", () => {
    assert.ok(isRoot, "this attack needs a second user: run the fault tests as root (CI does)");
    const home = sharedHome("home-other-parent");
    const xdg = join(home, "xdg");
    const dir = join(xdg, "mcks/transpile");
    const { config, marker } = plant(dir, "parent");
    chmodSync(dir, 0o700);
    chownTree([xdg], NOBODY);
    validateRefusesCache(config, marker, { ...baseEnv(), XDG_CACHE_HOME: xdg }, dir);
  });

  it("a cache file that is a symlink or writable by others is not read; a safe cache is still used", () => {
    const dir = join(work, "own-cache");
    mkdirSync(dir, { mode: 0o700 });
    const config = join(work, "own.config.ts");
    writeFileSync(config, CONFIG);
    const marker = join(work, "own.pwned");
    const evil = join(work, "evil.js");
    writeFileSync(evil, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");`);
    const entry = cacheFile(dir, CONFIG);
    symlinkSync(evil, entry);
    const env = { ...baseEnv(), MCKS_CACHE_DIR: dir };
    let r = mcks(["validate", "-c", config], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(marker), false, "code behind a symlinked cache entry ran");
    // The entry was replaced by a real file of ours (renamed over the symlink), which the next run uses.
    rmSync(entry, { force: true });
    writeFileSync(entry, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"); module.exports = {};`, { mode: 0o666 });
    chmodSync(entry, 0o666);
    r = mcks(["validate", "-c", config], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(marker), false, "a group/world-writable cache entry ran");
    assert.doesNotMatch(r.stderr, /not using the transpile cache/, "a safe cache folder was refused");
  });
});
