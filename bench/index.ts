/**
 * `npm run bench`: the whole benchmark suite, ending with ONE line of JSON (the last stdout line).
 *
 *   npm run bench [-- --users 1000] [--hub-users 200] [--rounds 7] [--hub-runs kubespawner,mcks,mcksDirect,mcks3,upstream]
 *                 [--no-build] [--keep-bed]
 *
 * 1. upstream, paired (bench/upstream.ts): upstream 0.2's own code path vs. ours, 0/2/10 patches;
 * 2. on a bed of its own — MCKS_TESTBED_DIR=$TMPDIR/mcks-bench-bed, ports at MCKS_BENCH_PORT_OFFSET
 *    (default: MCKS_TESTBED_PORT_OFFSET + 50), 3 clusters — so its API servers see only the
 *    bench's traffic and their /metrics count the spawners' requests:
 *    a. KubeSpawner, mcks (one cluster with ingress routing, one with pod-ip routing, then three)
 *       and upstream 0.2 in a real JupyterHub, N concurrent spawns (bench/hub-compare.ts;
 *       N = --hub-users or MCKS_BENCH_HUB_USERS);
 *    b. the burst against `dist/mcks` (bench/burst.ts): 1000 concurrent starts, mcks's own share
 *       of each (URL returned after Pod Ready and route), then memory at 0…2000 servers.
 *    The bed is stopped at the end unless --keep-bed.
 * Every ratio comes with its pairs' min–max; the load average is printed at the start and the end.
 * The JSON keys are listed in README.md's Performance section.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BurstResult } from "./burst.ts";
import { OBJECTS_PER_START } from "./burst-config.ts";
import { RUN_NAMES, type HubCompareResult } from "./hub-compare.ts";
import { upstreamPaired } from "./upstream.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    "hub-users": { type: "string", default: process.env.MCKS_BENCH_HUB_USERS ?? "200" },
    "hub-runs": { type: "string", default: RUN_NAMES.join(",") },
    rounds: { type: "string", default: "7" },
    "no-build": { type: "boolean", default: false },
    "keep-bed": { type: "boolean", default: false },
  },
});
const root = join(import.meta.dirname, "..");
const node = process.execPath;
const benchOffset = process.env.MCKS_BENCH_PORT_OFFSET ?? String(Number(process.env.MCKS_TESTBED_PORT_OFFSET ?? 0) + 50);
const bedEnv = { MCKS_TESTBED_DIR: process.env.MCKS_BENCH_BED_DIR ?? join(tmpdir(), `mcks-bench-bed-${benchOffset}`), MCKS_TESTBED_PORT_OFFSET: benchOffset };
const BED_CLUSTERS = "3";
/**
 * The bench bed's node pools: room for the memory ladder's 2000 servers over 3 clusters (the
 * real scheduler places pods by their requests and each kubelet's max pods), on nodes that do
 * not scale, so no start waits for the autoscaler.
 */
const benchPoolsFile = join(tmpdir(), `mcks-bench-pools-${benchOffset}.json`);
writeFileSync(
  benchPoolsFile,
  JSON.stringify(Object.fromEntries([1, 2, 3].map((i) => [`testbed-${i}`, [{ name: "bench", nodes: 2, min: 2, max: 2, cpu: 64, memory: "256Gi", gpu: 0, pods: 600 }]]))),
);
const t0 = Date.now();
const lastLine = (s: string): string => s.trim().split("\n").at(-1) ?? "";
const load = (): number => Number(loadavg()[0]!.toFixed(1));
const loadStart = load();

/**
 * Runs a child to completion (bounded), passing stderr through; returns its stdout. With
 * `resultLine`, a child that failed but printed its JSON result still counts: its failures are
 * in the result (and in the table), and the rest of the bench is not lost.
 */
function run(title: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30 * 60_000, resultLine = false): Promise<string> {
  process.stderr.write(`\n== ${title} (load average ${load()})\n`);
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
      if (code === 0 || (resultLine && lastLine(out).startsWith("{"))) resolve(out);
      else reject(new Error(`${title} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

if (!values["no-build"]) await run("build dist/mcks", ["build/build.ts"]);

process.stderr.write(`\n== upstream 0.2 vs. ours, paired, ${values.rounds} rounds (load average ${load()})\n`);
const up = await upstreamPaired(Number(values.rounds), (m) => process.stderr.write(`[upstream] ${m}\n`));

let hubs: HubCompareResult;
let burst: BurstResult;
try {
  await run("bench bed up", ["test/testbed/cli.ts", "up", "--clusters", BED_CLUSTERS, "--pools", benchPoolsFile], bedEnv);
  const hubOut = await run(`hub: ${values["hub-runs"]}, ${values["hub-users"]} concurrent spawns each`, ["bench/hub-compare.ts", "--users", values["hub-users"]!, "--runs", values["hub-runs"]!], bedEnv, 40 * 60_000, true);
  hubs = JSON.parse(lastLine(hubOut)) as typeof hubs;
  const out = await run(`burst of ${values.users} starts, then memory per server`, ["bench/burst.ts", "--users", values.users!, "--bed-clusters", BED_CLUSTERS], bedEnv, 45 * 60_000, true);
  burst = JSON.parse(lastLine(out)) as BurstResult;
} finally {
  if (!values["keep-bed"]) await run("bench bed down", ["test/testbed/cli.ts", "down"], bedEnv).catch((e: Error) => process.stderr.write(`${e.message}\n`));
}

const s = up.sets;
const result = {
  dryRunSpeedupVsKubectl: s.P2.median,
  upstreamRatioP0: s.P0.median,
  upstreamRatioP0Min: s.P0.min,
  upstreamRatioP0Max: s.P0.max,
  upstreamRatioP2: s.P2.median,
  upstreamRatioP2Min: s.P2.min,
  upstreamRatioP2Max: s.P2.max,
  upstreamRatioP10: s.P10.median,
  upstreamRatioP10Min: s.P10.min,
  upstreamRatioP10Max: s.P10.max,
  upstreamRounds: up.rounds,
  upstreamMsPerUserP0: s.P0.upstreamMsPerUser,
  upstreamMsPerUserP2: s.P2.upstreamMsPerUser,
  upstreamMsPerUserP10: s.P10.upstreamMsPerUser,
  oursUsPerUserP0: s.P0.oursUsPerUser,
  oursUsPerUserP2: s.P2.oursUsPerUser,
  oursUsPerUserP10: s.P10.oursUsPerUser,
  upstreamLoadStart: up.loadStart,
  upstreamLoadEnd: up.loadEnd,
  ...hubs,
  ...burst,
  loadAvgStart: loadStart,
  loadAvgEnd: load(),
  benchMinutes: Number(((Date.now() - t0) / 60_000).toFixed(1)),
  machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
};

type Row = [string, string, string, boolean | undefined];
const range = (x: { median: number; min: number; max: number }): string => `${x.median}× (pairs ${x.min}–${x.max}×)`;
const rows: Row[] = [
  [`upstream 0.2 / ours, 0 patches, ${up.rounds} paired rounds`, `${range(s.P0)}: ${s.P0.upstreamMsPerUser} ms vs ${s.P0.oursUsPerUser} µs per user`, "", undefined],
  ["upstream 0.2 / ours, the README's 2 patches", `${range(s.P2)}: ${s.P2.upstreamMsPerUser} ms vs ${s.P2.oursUsPerUser} µs per user`, "≥ 1000×", s.P2.median >= 1000],
  ["upstream 0.2 / ours, 10 patches", `${range(s.P10)}: ${s.P10.upstreamMsPerUser} ms vs ${s.P10.oursUsPerUser} µs per user`, "", undefined],
  [`  (load average during the pairs)`, `${up.loadStart} → ${up.loadEnd}`, "", undefined],
];
for (const name of RUN_NAMES) {
  const h = hubs[name];
  if (!h) continue;
  rows.push(
    [`hub + ${name}: ${h.users} spawns on ${h.clusters} cluster(s)`, `all ready in ${h.wallAllReadyS} s (${h.failures} failures), p50 / p99 ${h.spawnP50Ms} / ${h.spawnP99Ms} ms; stop ${h.stopWallS} s, ${h.objectsLeft} left`, "0 left", h.failures === 0 && h.objectsLeft === 0],
    [`  CPU hub / daemon, per spawn`, `${h.hubCpuS} / ${h.daemonCpuS} s; ${h.hubCpuMsPerSpawn} / ${h.daemonCpuMsPerSpawn} ms`, "", undefined],
    [`  API requests per start / stop, watches, RSS hub / daemon`, `${h.apiRequestsPerStart} / ${h.apiRequestsPerStop}, ${h.watchesOpen} watches, ${h.hubRssMiB} / ${h.daemonRssMiB} MiB (load ${h.loadStart} → ${h.loadEnd})`, "", undefined],
  );
}
// The footprint goals (side by side, same hub, same cluster): pod-ip routing a Secret and a Pod, ingress one request per object.
if (hubs.mcksDirect) {
  const d = hubs.mcksDirect;
  rows.push(["hub + mcksDirect: its own API requests per start / stop", `${d.ownApiRequestsPerStart} / ${d.ownApiRequestsPerStop}`, "≤ 2 / 1", d.ownApiRequestsPerStart <= 2 && d.ownApiRequestsPerStop <= 1]);
  const ks = hubs.kubespawner;
  if (ks) {
    const cpu = d.hubCpuMsPerSpawn + d.daemonCpuMsPerSpawn;
    rows.push(
      ["hub + mcksDirect: CPU per spawn (hub + daemon) vs KubeSpawner", `${cpu} vs ${ks.hubCpuMsPerSpawn} ms`, "≤ KubeSpawner", cpu <= ks.hubCpuMsPerSpawn],
      ["hub + mcksDirect: all ready vs KubeSpawner", `${d.wallAllReadyS} vs ${ks.wallAllReadyS} s`, "≤ KubeSpawner", d.wallAllReadyS <= ks.wallAllReadyS],
    );
  }
}
if (hubs.mcks) {
  const m = hubs.mcks;
  rows.push(
    ["hub + mcks: its own API requests per start / stop", `${m.ownApiRequestsPerStart} / ${m.ownApiRequestsPerStop}`, `≤ ${OBJECTS_PER_START} / 1`, m.ownApiRequestsPerStart <= OBJECTS_PER_START && m.ownApiRequestsPerStop <= 1],
    ["hub + mcks: daemon CPU per spawn", `${m.daemonCpuMsPerSpawn} ms`, "≤ 8 ms", m.daemonCpuMsPerSpawn <= 8],
  );
}
rows.push(
  ["burst: servers started concurrently", `${burst.burstUsers} (${burst.burstFailures} failures) in ${burst.burstWallSeconds} s`, "all ready", burst.burstFailures === 0],
  ["burst: start time p50 / p99", `${burst.burstP50Ms} / ${burst.burstP99Ms} ms`, "", undefined],
  ["burst: URL after max(Pod Ready, route) p50 / p99 / max", `${burst.burstReadyToUrlP50Ms} / ${burst.burstReadyToUrlP99Ms} / ${burst.burstReadyToUrlMaxMs} ms (p99 ${burst.burstReadyToUrlFromSendP99Ms} ms from the probe's send)`, "p99 ≤ 1000 ms", burst.burstReadyToUrlP99Ms <= 1000],
  ["burst: route after Pod Ready (the bed's ingress) p50 / p99", `${burst.burstRouteAfterReadyP50Ms} / ${burst.burstRouteAfterReadyP99Ms} ms`, "", undefined],
  ["burst: mcks CPU per start", `${burst.daemonCpuMsPerSpawn} ms (CPU s: ${Object.entries(burst.burstCpuSeconds).map(([k, v]) => `${k} ${v}`).join(", ")})`, "", undefined],
  ["one at a time: p99 overhead", `${burst.sequentialP99OverheadMs} ms`, "", undefined],
  ["API requests per start (at the API servers)", `${burst.apiRequestsPerStart} (objects ${burst.objectsPerStart})`, `≤ ${burst.objectsPerStart + 1}`, burst.apiRequestsPerStart <= burst.objectsPerStart + 1],
  ["API requests per stop", `${burst.apiRequestsPerStop}`, "", undefined],
  ["open watches per cluster (mcks's)", `${burst.watchesPerCluster}`, "≤ 4", burst.watchesPerCluster <= 4],
  ["burst daemon RSS idle / after / peak", `${burst.rssMbIdle} / ${burst.rssMbAt1000} / ${burst.rssMbPeak} MiB`, "", undefined],
  ["memory: RSS at " + burst.memoryLevels.map((l) => l.servers).join(", "), `${burst.memoryLevels.map((l) => l.rssMiB).join(", ")} MiB (V8 heap used ${burst.memoryLevels.map((l) => l.heapUsedMiB).join(", ")})`, "", undefined],
  ["memory: slope RSS / V8 heap", `${burst.memorySlopeMiBPer1000} / ${burst.memoryHeapSlopeMiBPer1000} MiB per 1000 servers`, "≤ 50", burst.memorySlopeMiBPer1000 <= 50],
  ["memory: settled RSS with 1000 servers", `${burst.memoryRssMiBAt1000} MiB (${burst.memoryFailures} starts/stops of the ladder failed)`, "≤ 150 MiB", burst.memoryRssMiBAt1000 !== null && burst.memoryRssMiBAt1000 <= 150],
  ["server.poll round trip p50 / p99", `${burst.pollP50Ms} / ${burst.pollP99Ms} ms`, "p99 < 1 ms", burst.pollP99Ms < 1],
  ["stop all: wall / p99; the collector done after", `${burst.stopWallSeconds} s / ${burst.stopP99Ms} ms; +${burst.stopCollectedSeconds} s, ${burst.leftoverObjects} objects left`, "0 left", burst.leftoverObjects === 0],
);
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${result.machine}; load average ${result.loadAvgStart} at the start, ${result.loadAvgEnd} at the end; ${result.benchMinutes} minutes`);
for (const [what, value, goal, ok] of rows) console.log(`${what.padEnd(w0)}  ${value.padEnd(w1)}  ${goal.padEnd(13)} ${ok === undefined ? "" : ok ? "met" : "MISSED"}`);
console.log(JSON.stringify(result));
