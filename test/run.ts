/**
 * The whole test suite, as `npm test` and CI run it:
 *   type-check → layering check → unit tests → build the binary → start the test bed → integration/E2E tests → fault tests
 *   → the KubeSpawner oracle (test/oracle) → `npm run release` and its tests (docs/deploy.md's recipes)
 *   → the hub's pytest suite → stop what we started.
 * Every stage must pass; a component that cannot start fails the run (nothing is skipped).
 * Ends with one line "mcks: N passed, M failed" summing node's and pytest's counts.
 *
 *   npm test                  everything
 *   npm test -- --unit        type-check, layering check and unit tests only (no bed, no build)
 *   npm test -- --keep-bed    leave the bed running afterwards
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const args = new Set(process.argv.slice(2));
const unitOnly = args.has("--unit");
const keepBed = args.has("--keep-bed") || process.env.MCKS_KEEP_BED === "1";
const out = join(root, "test-output");
mkdirSync(out, { recursive: true });

let passed = 0;
let failed = 0;
const failures: string[] = [];

function step(title: string, cmd: string, argv: string[], env: Record<string, string> = {}): boolean {
  const started = Date.now();
  process.stdout.write(`\n=== ${title}\n`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const ok = r.status === 0;
  process.stdout.write(`=== ${title}: ${ok ? "ok" : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  if (!ok) failures.push(title);
  return ok;
}

/** Adds node's `# pass N` / `# fail N` from a TAP file to the totals. */
function countTap(file: string): void {
  if (!existsSync(file)) return;
  const tap = readFileSync(file, "utf8");
  passed += Number(/^# pass (\d+)$/m.exec(tap)?.[1] ?? 0);
  failed += Number(/^# fail (\d+)$/m.exec(tap)?.[1] ?? 0);
}

function testFiles(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .map((f) => join(dir, f));
}

function nodeTests(title: string, files: string[], tap: string, concurrency: number): void {
  if (files.length === 0) {
    failures.push(`${title}: no test files found`);
    return;
  }
  step(title, process.execPath, [
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=600000",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  countTap(tap);
}

/** Adds pytest's counts from its JUnit XML; a skipped test is a failure here, not a pass. */
function countJunit(file: string, title: string): void {
  if (!existsSync(file)) return;
  const suite = /<testsuite\b[^>]*>/.exec(readFileSync(file, "utf8"))?.[0] ?? "";
  const n = (attr: string) => Number(new RegExp(`\\b${attr}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const bad = n("failures") + n("errors");
  passed += n("tests") - bad - n("skipped");
  failed += bad;
  if (n("skipped") > 0) failures.push(`${title}: ${n("skipped")} skipped`);
}

/** The hub side, on the bed: its venv, pytest against the real daemon, then test/e2e (JupyterHub,
 * configurable-http-proxy, Chromium). The daemon is the binary just built. */
function hubTests(): void {
  if (!step("hub venv", "bash", [join(root, "test/setup/hub-venv.sh")])) {
    failures.push("hub tests: not run because hub/.venv could not be built");
    return;
  }
  const env = { MCKS_BIN: join(root, "dist/mcks") };
  // KubeSpawner (in the hub's venv) as the reference for the Pods the binary prints.
  process.env.MCKS_BIN = env.MCKS_BIN;
  nodeTests("KubeSpawner oracle", testFiles("test/oracle"), join(out, "oracle.tap"), 1);
  delete process.env.MCKS_BIN;
  const xml = join(out, "hub-pytest.xml");
  step("hub pytest", join(root, "hub/.venv/bin/python"), ["-m", "pytest", "-q", "-p", "no:cacheprovider", `--junitxml=${xml}`, join(root, "hub/tests")], env);
  countJunit(xml, "hub pytest");
  // The same suite on the oldest JupyterHub the spawner supports.
  const old = join(root, "hub/.venv-jh4");
  if (step("hub venv (JupyterHub 4)", "bash", [join(root, "test/setup/hub-venv.sh"), old, join(root, "hub/requirements-jh4.txt")])) {
    const xml4 = join(out, "hub-pytest-jh4.xml");
    step("hub pytest (JupyterHub 4)", join(old, "bin/python"), ["-m", "pytest", "-q", "-p", "no:cacheprovider", `--junitxml=${xml4}`, join(root, "hub/tests")], env);
    countJunit(xml4, "hub pytest (JupyterHub 4)");
  }
  if (!step("chromium", "bash", [join(root, "test/setup/chromium.sh")])) {
    failures.push("hub E2E: not run because chromium could not be installed");
    return;
  }
  process.env.MCKS_BIN = env.MCKS_BIN; // nodeTests passes only process.env on
  nodeTests("hub E2E", testFiles("test/e2e"), join(out, "e2e.tap"), 1);
  delete process.env.MCKS_BIN;
}

/** `npm run release`, then its artifacts and docs/deploy.md's recipes (test/release/, partly on the bed). */
function releaseTests(): void {
  for (const script of ["qemu-arm64.sh", "systemd.sh"]) {
    if (!step(`setup ${script}`, "bash", [join(root, "test/setup", script)])) {
      failures.push(`release tests: not run because test/setup/${script} failed`);
      return;
    }
  }
  if (!step("npm run release", npmNode, [join(root, "build/release.ts")])) {
    failures.push("release tests: not run because npm run release failed");
    return;
  }
  nodeTests("release and deploy tests", testFiles("test/release"), join(out, "release.tap"), 1);
}

const npmNode = process.execPath; // Node 24 from node_modules (npm puts it first on PATH)

step("type-check", npmNode, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "."]);
// src/ imports only downwards in the layers of docs/architecture.md "Folders and layers".
step("layering check", npmNode, [join(root, "scripts/check-layers.ts")]);
nodeTests("unit tests", testFiles("test/unit"), join(out, "unit.tap"), 2);

if (!unitOnly) {
  const built = step("build dist/mcks", npmNode, [join(root, "build/build.ts")]);
  const bedUp = built && step("test bed up", npmNode, [join(root, "test/testbed/cli.ts"), "up"]);
  if (bedUp) {
    nodeTests("integration tests", testFiles("test/integration"), join(out, "integration.tap"), 1);
    // Faults on the same bed (an API server killed and restored, the daemon SIGKILLed, hostile input); one file at a time.
    nodeTests("fault tests", testFiles("test/fault"), join(out, "fault.tap"), 1);
    releaseTests();
    hubTests();
  } else {
    failures.push("integration tests: not run because the build or the test bed failed");
  }
  if (bedUp && !keepBed) step("test bed down", npmNode, [join(root, "test/testbed/cli.ts"), "down"]);
}

process.stdout.write("\n");
for (const f of failures) process.stdout.write(`FAILED: ${f}\n`);
const total = failed + (failures.length > 0 && failed === 0 ? failures.length : 0);
process.stdout.write(`mcks: ${passed} passed, ${total} failed\n`);
process.exitCode = failures.length > 0 || failed > 0 ? 1 : 0;
