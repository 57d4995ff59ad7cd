/**
 * `npm run bench`: the whole benchmark suite, ending with ONE line of JSON (the last stdout line).
 *
 *   npm run bench [-- --users 1000] [--kubectl-users 5] [--no-build] [--keep-bed]
 *
 * 1. dry-run speed: resolve → render → patch per user in-process (bench/render-patch.ts) vs.
 *    upstream's `kubectl patch --local` per patch (bench/patch.ts), same patches, same run;
 * 2. the burst (bench/burst.ts) against the built binary `dist/mcks` on a bed of its own:
 *    MCKS_TESTBED_DIR=$TMPDIR/mcks-bench-bed, ports +300, 6 clusters of which the burst uses
 *    testbed-4…6 (pod IPs 127.14–16.x.y, so the shared bed's agents on 127.11–13 never clash).
 *    Its API servers see only the bench's traffic, so their /metrics count mcks's requests.
 *    The bed is stopped at the end unless --keep-bed.
 */
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpus, totalmem, loadavg } from "node:os";
import type { BurstResult } from "./burst.ts";
import { renderPatchMsPerUser } from "./render-patch.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    "kubectl-users": { type: "string", default: "5" },
    "no-build": { type: "boolean", default: false },
    "keep-bed": { type: "boolean", default: false },
  },
});
const root = join(import.meta.dirname, "..");
const node = process.execPath;
const bedEnv = { MCKS_TESTBED_DIR: process.env.MCKS_BENCH_BED_DIR ?? join(tmpdir(), "mcks-bench-bed"), MCKS_TESTBED_PORT_OFFSET: "300" };
const BED_CLUSTERS = "6";

/** Runs a child to completion (bounded), passing stderr through; returns its stdout. */
function run(title: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30 * 60_000): Promise<string> {
  process.stderr.write(`\n== ${title}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${title} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

const lastLine = (s: string): string => s.trim().split("\n").at(-1) ?? "";
const load0 = loadavg()[0]!;

if (!values["no-build"]) await run("build dist/mcks", ["build/build.ts"]);

const patchOut = await run("bench/patch.ts (kubectl per patch, upstream's way)", ["bench/patch.ts", "--users", "2000", "--kubectl-users", values["kubectl-users"]!]);
const up = /^upstream .*→ ([\d.]+) (ms|µs) per user/m.exec(patchOut);
if (!up) throw new Error(`could not read kubectl's per-user time from bench/patch.ts:\n${patchOut}`);
const kubectlMsPerUser = Number(up[1]) * (up[2] === "µs" ? 0.001 : 1);
process.stderr.write("\n== render+patch per user, in-process\n");
const oursMsPerUser = await renderPatchMsPerUser(2000);

let burst: BurstResult;
try {
  await run("bench bed up", ["test/testbed/cli.ts", "up", "--clusters", BED_CLUSTERS], bedEnv);
  const out = await run(`burst of ${values.users} starts`, ["bench/burst.ts", "--users", values.users!, "--bed-clusters", BED_CLUSTERS], bedEnv, 45 * 60_000);
  burst = JSON.parse(lastLine(out)) as BurstResult;
} finally {
  if (!values["keep-bed"]) await run("bench bed down", ["test/testbed/cli.ts", "down"], bedEnv).catch((e: Error) => process.stderr.write(`${e.message}\n`));
}

const result = {
  dryRunSpeedupVsKubectl: Math.round(kubectlMsPerUser / oursMsPerUser),
  renderPatchUsPerUser: Number((oursMsPerUser * 1000).toFixed(1)),
  kubectlMsPerUser: Number(kubectlMsPerUser.toFixed(1)),
  ...burst,
  machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load0.toFixed(1)} at start`,
};

type Row = [string, string, string, boolean | undefined];
const rows: Row[] = [
  ["dry-run speed-up vs kubectl per patch", `${result.dryRunSpeedupVsKubectl}× (${result.renderPatchUsPerUser} µs vs ${result.kubectlMsPerUser} ms per user)`, "≥ 1000×", result.dryRunSpeedupVsKubectl >= 1000],
  ["burst: servers started concurrently", `${burst.burstUsers} (${burst.burstFailures} failures) in ${burst.burstWallSeconds} s`, "all ready", burst.burstFailures === 0],
  ["burst: start time p50 / p99", `${burst.burstP50Ms} / ${burst.burstP99Ms} ms`, "", undefined],
  ["burst: p99 overhead (minus fake delay)", `${burst.burstP99OverheadMs} ms (fake delay ${burst.fakeDelayMs} ms)`, "≤ 1000 ms", burst.burstP99OverheadMs <= 1000],
  ["one at a time: p99 overhead", `${burst.sequentialP99OverheadMs} ms`, "", undefined],
  ["API requests per start (at the API servers)", `${burst.apiRequestsPerStart} (objects ${burst.objectsPerStart})`, `≤ ${burst.objectsPerStart + 1}`, burst.apiRequestsPerStart <= burst.objectsPerStart + 1],
  ["API requests per stop", `${burst.apiRequestsPerStop}`, "", undefined],
  ["open watches per cluster (mcks's)", `${burst.watchesPerCluster}`, "≤ 4", burst.watchesPerCluster <= 4],
  ["daemon RSS idle / with all running / peak", `${burst.rssMbIdle} / ${burst.rssMbAt1000} / ${burst.rssMbPeak} MiB`, "≤ 150 MiB", burst.rssMbAt1000 <= 150],
  ["server.poll round trip p50 / p99", `${burst.pollP50Ms} / ${burst.pollP99Ms} ms`, "p99 < 1 ms", burst.pollP99Ms < 1],
  ["stop all: wall / p99", `${burst.stopWallSeconds} s / ${burst.stopP99Ms} ms; ${burst.leftoverObjects} objects left`, "0 left", burst.leftoverObjects === 0],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${result.machine}`);
for (const [what, value, goal, ok] of rows) console.log(`${what.padEnd(w0)}  ${value.padEnd(w1)}  ${goal.padEnd(10)} ${ok === undefined ? "" : ok ? "met" : "MISSED"}`);
console.log(JSON.stringify(result));
