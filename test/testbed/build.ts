/**
 * Compiles the real kube-apiserver, kube-scheduler, kube-controller-manager (all three from one
 * pinned k8s.io/kubernetes module) and etcd from the two Go modules next to this file.
 * Binaries go to `~/.cache/mcks-testbed/<pin>/`, where <pin> names both versions plus a hash of
 * the modules' go.mod/go.sum and the link flags, so they are rebuilt only when a pin changes.
 * No Go, or a failed build, is an error that says so: tests must never run against nothing.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { cacheRoot, testbedSrc } from "./layout.ts";

export interface Binaries {
  readonly dir: string;
  readonly kubeApiserver: string;
  readonly kubeScheduler: string;
  readonly kubeControllerManager: string;
  readonly etcd: string;
  readonly kubernetesVersion: string;
  readonly etcdVersion: string;
}

interface Target {
  readonly module: string;
  readonly pkg: string;
  readonly out: string;
  readonly ldflags: string;
}

const apiserverModule = join(testbedSrc, "apiserver");
const etcdModule = join(testbedSrc, "etcd");

/** The version a go.mod requires of `modulePath` (the `require` line is the pin). */
export function requiredVersion(goModDir: string, modulePath: string): string {
  const text = readFileSync(join(goModDir, "go.mod"), "utf8");
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(text);
  if (!m?.[1]) throw new UserError(`${goModDir}/go.mod does not require ${modulePath}; add it back with \`go get ${modulePath}@<version>\``);
  return m[1];
}

/** The Kubernetes components the bed runs, all built from the one k8s.io/kubernetes pin. */
const kubernetesCommands = ["kube-apiserver", "kube-scheduler", "kube-controller-manager"] as const;

/**
 * The components compare emulation/compatibility versions with their own binary version, so the
 * stamp must be the real release (an unstamped build reports v0.0.0-master and refuses defaults).
 */
function kubernetesLdflags(version: string): string {
  const m = /^v(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!m) throw new UserError(`k8s.io/kubernetes pin ${version} is not a release version vX.Y.Z; pin a release in test/testbed/apiserver/go.mod`);
  const p = "k8s.io/component-base/version";
  return [
    "-s -w",
    `-X ${p}.gitVersion=${version}`,
    `-X ${p}.gitMajor=${m[1]}`,
    `-X ${p}.gitMinor=${m[2]}`,
    `-X ${p}.gitTreeState=clean`,
    `-X ${p}.buildDate=1970-01-01T00:00:00Z`,
  ].join(" ");
}

function targets(): { pin: string; list: Target[]; k8s: string; etcd: string } {
  const k8s = requiredVersion(apiserverModule, "k8s.io/kubernetes");
  const etcd = requiredVersion(etcdModule, "go.etcd.io/etcd/server/v3");
  const list: Target[] = [
    ...kubernetesCommands.map((out) => ({ module: apiserverModule, pkg: `k8s.io/kubernetes/cmd/${out}`, out, ldflags: kubernetesLdflags(k8s) })),
    { module: etcdModule, pkg: "go.etcd.io/etcd/server/v3", out: "etcd", ldflags: "-s -w" },
  ];
  const h = createHash("sha256");
  for (const module of new Set(list.map((t) => t.module))) {
    h.update(readFileSync(join(module, "go.mod")));
    h.update(readFileSync(join(module, "go.sum")));
  }
  for (const t of list) h.update(`${t.pkg}\0${t.ldflags}\0`);
  const pin = `k8s-${k8s}_etcd-${etcd}_${h.digest("hex").slice(0, 10)}`;
  return { pin, list, k8s, etcd };
}

/** Paths of the binaries for the current pin, whether or not they are built yet. */
export function binaryPaths(): Binaries & { readonly built: boolean } {
  const { pin, k8s, etcd } = targets();
  const dir = join(cacheRoot, pin);
  const bins = {
    kubeApiserver: join(dir, "kube-apiserver"),
    kubeScheduler: join(dir, "kube-scheduler"),
    kubeControllerManager: join(dir, "kube-controller-manager"),
    etcd: join(dir, "etcd"),
  };
  return { dir, ...bins, kubernetesVersion: k8s, etcdVersion: etcd, built: Object.values(bins).every((b) => existsSync(b)) };
}

function requireGo(): string {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new UserError(
      "the test bed needs Go (>= 1.26) on PATH to compile kube-apiserver, kube-scheduler, kube-controller-manager and etcd, but `go version` failed" +
        (r.error ? ` (${r.error.message})` : ""),
      ["install Go from https://go.dev/dl/ or put /usr/local/go/bin on PATH, then run `npm run testbed -- build`"],
    );
  }
  return r.stdout.trim();
}

function goBuild(t: Target, outPath: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const args = ["build", "-ldflags", t.ldflags, "-o", outPath, t.pkg];
    log(`  go ${args.join(" ")}   (in ${t.module})`);
    // go build never rewrites go.mod/go.sum (-mod=readonly is its default); GOTOOLCHAIN=local
    // so a newer `toolchain` line fails here instead of downloading a Go behind our back.
    const child = spawn("go", args, {
      cwd: t.module,
      env: { ...process.env, GOTOOLCHAIN: "local" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (e) => reject(new UserError(`could not run go build for ${t.pkg}: ${e.message}`)));
    child.on("exit", (code) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new UserError(`go build of ${t.pkg} failed (exit ${code}); fix the pin in ${t.module}/go.mod or try another served version`, output.trim().split("\n").slice(-25)),
        );
    });
  });
}

/** Builds whatever is missing for the current pin; returns the binaries. */
export async function ensureBinaries(log: (line: string) => void = console.log): Promise<Binaries> {
  const paths = binaryPaths();
  if (paths.built) return paths;
  const goVersion = requireGo();
  const { list } = targets();
  mkdirSync(paths.dir, { recursive: true });
  log(`building test bed binaries with ${goVersion} into ${paths.dir} (cold builds take many minutes)`);
  const started = Date.now();
  const timings: Record<string, number> = {};
  // Sequential on purpose: each go build already uses every core.
  for (const t of list) {
    const final = join(paths.dir, t.out);
    if (existsSync(final)) continue;
    const tmp = `${final}.tmp-${process.pid}`;
    const t0 = Date.now();
    try {
      await goBuild(t, tmp, log);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    renameSync(tmp, final); // atomic: a half-written binary is never taken for a built one
    timings[t.out] = (Date.now() - t0) / 1000;
    log(`  built ${t.out} in ${timings[t.out]?.toFixed(0)} s`);
  }
  const total = (Date.now() - started) / 1000;
  writeFileSync(join(paths.dir, "build.json"), JSON.stringify({ goVersion, seconds: timings, totalSeconds: total, at: new Date().toISOString() }, null, 2) + "\n");
  log(`test bed binaries ready in ${total.toFixed(0)} s`);
  return paths;
}
