/**
 * The release's binaries as an operator gets them: copied into an empty folder, run with an empty
 * environment (only HOME, an empty folder), no Node and no repository around.
 *   - linux-x64 runs the README's dry-run of config.example.ts;
 *   - linux-arm64 runs under Debian's qemu-user-static (test/setup/qemu-arm64.sh) and answers
 *     `--version`, `validate` and `dry-run` exactly as linux-x64 does;
 *   - SHA256SUMS checks with `sha256sum -c`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, openSync, readFileSync, readSync, closeSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../../build/paths.ts";
import { ensureRelease, setup, tempDir, type Release } from "./fixture.ts";

const QEMU = "/usr/bin/qemu-aarch64-static";
/** The arm64 loader and libraries of Debian's libc6-arm64-cross / libstdc++6-arm64-cross. */
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

let rel: Release;
let dir = "";
let home = "";

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[]): Result {
  const r = spawnSync(cmd, args, { cwd: dir, env: { HOME: home }, encoding: "utf8", timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const x64 = (...args: string[]): Result => run(join(dir, "mcks-x64"), args);
const arm64 = (...args: string[]): Result => run(QEMU, ["-L", ARM64_SYSROOT, join(dir, "mcks-arm64"), ...args]);

/** ELF e_machine: 62 = x86-64, 183 = AArch64. */
function elfMachine(file: string): number {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(20);
    readSync(fd, head, 0, 20, 0);
    assert.equal(head.subarray(0, 4).toString("latin1"), "\x7fELF", `${file} is not an ELF file`);
    return head.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

const README_DRY_RUN = ["dry-run", "-c", "config.example.ts", "--user", "alice"];

before(() => {
  rel = ensureRelease();
  setup("qemu-arm64.sh");
  dir = tempDir("mcks-release-");
  home = join(dir, "home");
  mkdirSync(home);
  copyFileSync(rel.files.x64, join(dir, "mcks-x64"));
  copyFileSync(rel.files.arm64, join(dir, "mcks-arm64"));
  // The example config and the plugins it imports, away from the repository's node_modules.
  copyFileSync(join(ROOT, "config.example.ts"), join(dir, "config.example.ts"));
  cpSync(join(ROOT, "plugins"), join(dir, "plugins"), { recursive: true });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run release", () => {
  test("SHA256SUMS lists every artifact and they check", () => {
    const listed = readFileSync(rel.files.sums, "utf8").trim().split("\n").map((l) => l.split("  ")[1]).sort();
    const expected = Object.entries(rel.files).filter(([k]) => k !== "sums").map(([, f]) => f.slice(rel.dir.length + 1)).sort();
    assert.deepEqual(listed, expected);
    const r = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: rel.dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("the binaries are for their architectures", () => {
    assert.equal(elfMachine(rel.files.x64), 62);
    assert.equal(elfMachine(rel.files.arm64), 183);
  });

  test("the declarations are what `mcks types` writes", () => {
    const out = join(dir, "types.d.ts");
    const r = x64("types", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(out, "utf8"), readFileSync(rel.files.declarations, "utf8"));
  });
});

describe("linux-x64 binary, empty environment", () => {
  test("--version prints the version and the commit it was built from", () => {
    const r = x64("--version");
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${rel.version} (commit ${rel.commit})\n`);
  });

  test("the README's dry-run prints alice's objects, as the sources do", () => {
    const r = x64(...README_DRY_RUN);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    const docs = parseAllDocuments(r.stdout);
    for (const d of docs) assert.deepEqual(d.errors, []);
    const kinds = docs.map((d) => (d.toJS() as { kind: string }).kind);
    assert.deepEqual(kinds.slice(0, 5), ["ServiceAccount", "Secret", "Pod", "Service", "Ingress"]);
    const source = spawnSync(process.execPath, [join(ROOT, "src/main.ts"), ...README_DRY_RUN], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    assert.equal(source.status, 0, source.stderr);
    assert.equal(r.stdout, source.stdout);
  });
});

describe("linux-arm64 binary under qemu-user-static, empty environment", () => {
  for (const args of [["--version"], ["validate", "-c", "config.example.ts"], README_DRY_RUN]) {
    test(`\`mcks ${args.join(" ")}\` gives the same output as linux-x64`, () => {
      const want = x64(...args);
      assert.equal(want.status, 0, want.stderr);
      const got = arm64(...args);
      assert.deepEqual(got, want);
    });
  }

  test("an error is the same one sentence on both", () => {
    const args = ["dry-run", "-c", "config.example.ts", "--user", "alice", "--profile", "no-such-profile"];
    const want = x64(...args);
    assert.equal(want.status, 1);
    assert.doesNotMatch(want.stderr, /\n\s+at /);
    assert.deepEqual(arm64(...args), want);
  });
});
