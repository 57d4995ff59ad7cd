/**
 * `npm run bench:startup [-- --runs N]`: how fast dist/mcks starts, against the same commands
 * run from source (`node src/main.ts`), in one run on the same machine.
 *   - cold: the first run after `npm run build` (the binary is in the page cache, V8 state is not);
 *   - median and min of N runs; wall time, and CPU time (user+sys, from /proc/self/stat's
 *     cutime/cstime) because wall time on a busy 2-core box mostly measures the neighbours.
 * Goal (issue 2): dry-run of config.example.ts under 250 ms.
 * `-- --snapshot` measures the opt-in startup-snapshot build instead (see build/snapshot-main.ts).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Metafile } from "esbuild";
import { eagerChainToLazyPackage } from "../build/lazy-check.ts";
import { BINARY, DIST, ROOT } from "../build/paths.ts";

const GOAL_MS = 250;
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const CLK_TCK = 100; // Linux USER_HZ

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** User+system time of all waited-for children so far, in ms. */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the ")" that ends the command name; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

function once(cmd: string, args: readonly string[]): Sample {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: {}, encoding: "utf8" });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  }
  if (cmd === BINARY && r.stderr !== "") throw new Error(`${args.join(" ")} printed on stderr:\n${r.stderr}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu0 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const fmt = (ms: number): string => `${ms.toFixed(0).padStart(5)} ms`;

interface Row {
  readonly label: string;
  readonly cold: Sample;
  readonly wall: number;
  readonly min: number;
  readonly cpu: number;
}

function measure(label: string, cmd: string, args: readonly string[]): Row {
  const cold = once(cmd, args);
  const samples = Array.from({ length: RUNS }, () => once(cmd, args));
  const walls = samples.map((s) => s.wallMs);
  return { label, cold, wall: median(walls), min: Math.min(...walls), cpu: median(samples.map((s) => s.cpuMs)) };
}

function main(): void {
  const snapshot = process.argv.includes("--snapshot");
  const buildArgs = [join(ROOT, "build", "build.ts"), ...(snapshot ? ["--snapshot"] : [])];
  const build = spawnSync(process.execPath, buildArgs, { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  const fresh = !build.stdout.includes("skipped (bundle unchanged)");

  const size = statSync(BINARY).size;
  const meta = JSON.parse(readFileSync(join(DIST, ".sea", "meta.json"), "utf8")) as Metafile;
  const eager = eagerChainToLazyPackage(meta);
  const bundled = Object.keys(meta.inputs).some((f) => f.startsWith("node_modules/@kubernetes/client-node/"));

  const dryRun = ["dry-run", "-c", "config.example.ts", "--user", "alice"];
  const rows = [
    measure("mcks --version", BINARY, ["--version"]),
    measure("mcks dry-run (example, alice)", BINARY, dryRun),
    measure("node src/main.ts --version", process.execPath, ["src/main.ts", "--version"]),
    measure("node src/main.ts dry-run", process.execPath, ["src/main.ts", ...dryRun]),
  ];

  console.log(`dist/mcks: ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes)${snapshot ? ", startup snapshot" : ", code cache"}${fresh ? ", freshly built" : ", unchanged since the last build"}`);
  console.log(`Kubernetes client: ${!bundled ? "not in the bundle yet" : eager ? `LOADED EAGERLY via ${eager.join(" -> ")}` : "bundled, loaded lazily (import())"}`);
  console.log(`${RUNS} runs each after one cold run; empty environment; cwd ${ROOT}`);
  console.log(`${"".padEnd(32)} ${"cold".padStart(8)} ${"median".padStart(8)} ${"min".padStart(8)} ${"cpu med".padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(32)} ${fmt(r.cold.wallMs)} ${fmt(r.wall)} ${fmt(r.min)} ${fmt(r.cpu)}`);
  }
  const [version, dry, srcVersion, srcDry] = rows as [Row, Row, Row, Row];
  console.log(`source / binary (median wall): --version ×${(srcVersion.wall / version.wall).toFixed(1)}, dry-run ×${(srcDry.wall / dry.wall).toFixed(1)}`);
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`load average during the run: ${load} (wall times grow with it; cpu times do not)`);
  const ok = dry.wall < GOAL_MS;
  console.log(`goal dry-run < ${GOAL_MS} ms: ${ok ? "met" : "MISSED"} (median wall ${dry.wall.toFixed(0)} ms, cpu ${dry.cpu.toFixed(0)} ms)`);
}

main();
