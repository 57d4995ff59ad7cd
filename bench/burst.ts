/**
 * The burst benchmark: N concurrent `server.start` calls to a real `mcks serve` (the built binary)
 * spread over 3 test-bed clusters, until every server is ready; then the daemon's RSS, server.poll
 * round trips, and N concurrent stops. Requests and open watches are counted at the API servers
 * (their /metrics), not by mcks.
 *
 *   node bench/burst.ts [--users 1000] [--connections 8] [--polls 10000] [--bed-clusters 3]
 *
 * Uses the bed selected by MCKS_TESTBED_DIR (bench/index.ts runs it on its own bed) and its last
 * three clusters. Prints progress to stderr and one JSON object (BurstResult) as the last stdout line.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { RpcClient } from "../src/rpc/client.ts";
import type { ServerState } from "../src/rpc/protocol.ts";
import { ensureTokens } from "../test/testbed/certs.ts";
import { ensureBed } from "../test/testbed/bed.ts";
import * as L from "../test/testbed/layout.ts";
import type { BedCluster } from "../test/testbed/state.ts";
import { settled, startServe, type ServeProcess } from "../test/integration/serve-fixture.ts";
import { managedObjects as managed } from "./managed-objects.ts";
import { fetchMetrics, isMcksRequest, openWatches, sum, type Sample } from "./apiserver-metrics.ts";
import { OBJECTS_PER_START, profileSlug, writeBurstConfig } from "./burst-config.ts";
import { cpuSeconds, percentile, rssMiB } from "./percentile.ts";
import { readPids } from "../test/testbed/state.ts";
import { memoryLadder, type MemoryLevel } from "./memory.ts";
import { startReadyTracker } from "./ready-to-url.ts";

export interface BurstResult {
  burstUsers: number;
  burstFailures: number;
  burstWallSeconds: number;
  burstP50Ms: number;
  burstP99Ms: number;
  burstP99OverheadMs: number;
  /** Per start: URL returned − max(Pod Ready, route answering), see bench/ready-to-url.ts. */
  burstReadyToUrlP50Ms: number;
  burstReadyToUrlP99Ms: number;
  burstReadyToUrlMaxMs: number;
  /** The same p99 taken from the answering probe's send: the ingress's own answering time counted as mcks's. */
  burstReadyToUrlFromSendP99Ms: number;
  /** Per start: route answering − Pod Ready (the fake ingress's pickup under load; the cluster's share). */
  burstRouteAfterReadyP50Ms: number;
  burstRouteAfterReadyP99Ms: number;
  /** The daemon's CPU during the burst per start (user + system, /proc). */
  daemonCpuMsPerSpawn: number;
  /** CPU seconds used during the burst, by the daemon and by the bed's processes (where the time went). */
  burstCpuSeconds: Record<string, number>;
  /** The same overhead with one start at a time: mcks's own cost without queueing at the API servers. */
  sequentialP99OverheadMs: number;
  fakeDelayMs: number;
  objectsPerStart: number;
  apiRequestsPerStart: number;
  apiRequestsPerStop: number;
  watchesPerCluster: number;
  rssMbIdle: number;
  rssMbAt1000: number;
  rssMbPeak: number;
  pollP50Ms: number;
  pollP99Ms: number;
  stopWallSeconds: number;
  stopP99Ms: number;
  leftoverObjects: number;
  /** After the last stop returned, until the garbage collector had removed every other object (bounded wait). */
  stopCollectedSeconds: number;
  /** A fresh daemon at 0, 250, 500, 1000, 2000 running servers (bench/memory.ts). */
  memoryLevels: readonly MemoryLevel[];
  memorySlopeMiBPer1000: number;
  memoryHeapSlopeMiBPer1000: number;
  /** Settled RSS of the fresh daemon with 1000 servers (the ladder's level). */
  memoryRssMiBAt1000: number;
  /** Starts and stops of the ladder that failed (counted apart from the burst's). */
  memoryFailures: number;
}

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    connections: { type: "string", default: "8" },
    polls: { type: "string", default: "10000" },
    sequential: { type: "string", default: "20" },
    "settle-seconds": { type: "string", default: "60" },
    "bed-clusters": { type: "string", default: "3" },
    "deadline-minutes": { type: "string", default: "40" },
    "memory-levels": { type: "string", default: "0,250,500,1000,2000" },
  },
});
const USERS = Number(values.users);
const CONNECTIONS = Number(values.connections);
const POLLS = Number(values.polls);
const SEQUENTIAL = Number(values.sequential);
const SETTLE_SECONDS = Number(values["settle-seconds"]);
const MEMORY_LEVELS = values["memory-levels"]!.split(",").filter(Boolean).map(Number);
/**
 * What the fake cluster itself takes: the agent's ingress serves a new route only after its
 * pickup delay (--pickup-delay-ms, default 300) plus a 20 ms coalescing timer; the default image
 * has no start delay. A real cluster's image pull and kubelet would replace this.
 */
const FAKE_DELAY_MS = 320;
const COLLECTIONS = ["pods", "services", "serviceaccounts", "secrets"].map((r) => `/api/v1/namespaces/default/${r}`).concat("/apis/networking.k8s.io/v1/namespaces/default/ingresses");
const log = (m: string): void => void process.stderr.write(`[burst] ${m}\n`);


const bin = join(L.repoRoot, "dist/mcks");
if (!existsSync(bin)) throw new Error(`${bin} does not exist; run npm run build first (the benchmark measures the product binary)`);
// MCKS_BIN may name another daemon command (e.g. a wrapper with V8 flags, for experiments).
process.env.MCKS_BIN ??= bin;

const bed = await ensureBed({ clusters: Number(values["bed-clusters"]) });
const clusters = bed.clusters.slice(-3);
if (clusters.length < 3) throw new Error(`the bed has ${bed.clusters.length} clusters; the burst needs 3`);
const ca = join(L.pkiDir, "ca.crt");
const scrape = (c: BedCluster): Promise<Sample[]> => fetchMetrics(c.apiserverUrl, ca, ensureTokens(c.index).admin);
const scrapeAll = (): Promise<Sample[][]> => Promise.all(clusters.map(scrape));
/** Waits (at most COLLECTOR_WAIT_S) until no managed object is left on the clusters: what is left and when. */
const COLLECTOR_WAIT_S = 300;
async function collectorDone(): Promise<{ left: number; seconds: number }> {
  const t = performance.now();
  const left = () => clusters.reduce((a, c) => a + managed(bed.kubeconfig, c.context).length, 0);
  const n = await settled(left, (x) => x === 0, COLLECTOR_WAIT_S * 1000, 2000);
  return { left: n, seconds: (performance.now() - t) / 1000 };
}
const mcksRequests = (all: Sample[][]): number => all.reduce((a, s) => a + sum(s, "apiserver_request_total", isMcksRequest), 0);
/** Counted requests by verb, resource and code, summed over the clusters (to see what a figure is made of). */
function requestMix(all: Sample[][]): Map<string, number> {
  const mix = new Map<string, number>();
  for (const s of all.flat()) {
    if (s.name !== "apiserver_request_total" || !isMcksRequest(s.labels)) continue;
    const k = `${s.labels.verb} ${s.labels.resource} ${s.labels.code}`;
    mix.set(k, (mix.get(k) ?? 0) + s.value);
  }
  return mix;
}
function mixDelta(before: Sample[][], after: Sample[][], per: number): string {
  const b = requestMix(before);
  return [...requestMix(after)]
    .map(([k, v]) => [k, v - (b.get(k) ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([k, d]) => `${k} ${(d / per).toFixed(3)}`)
    .join(", ");
}

const dir = mkdtempSync(join(tmpdir(), "mcks-burst-"));
const configPath = writeBurstConfig(dir, bed.kubeconfig, clusters, 1800);
let serve: ServeProcess | undefined;
const deadline = setTimeout(() => {
  log(`gave up after ${values["deadline-minutes"]} minutes`);
  serve?.child.kill("SIGKILL");
  process.exit(2);
}, Number(values["deadline-minutes"]) * 60_000);
deadline.unref();

try {
  // An interrupted earlier run leaves servers behind; this is the bench's own bed, so clear them.
  for (const c of clusters) {
    const left = managed(bed.kubeconfig, c.context);
    if (left.length === 0) continue;
    log(`${c.name}: deleting ${left.length} managed objects left by an earlier run`);
    // One deletecollection per kind (`kubectl delete -l` deletes one object per request).
    for (const path of COLLECTIONS) {
      const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "--context", c.context, "delete", "--raw", `${path}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmulticluster-kubespawner`], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`could not clear ${path} on ${c.name}: ${r.stderr}`);
    }
    const end = Date.now() + 300_000;
    while (managed(bed.kubeconfig, c.context, { includeTerminating: true }).length > 0) {
      if (Date.now() > end) throw new Error(`${c.name}: leftovers still there after 5 minutes`);
      await sleep(1000);
    }
  }
  // The bench's own Pod watches open before the baseline, so they are not counted as mcks's.
  const tracker = await startReadyTracker(clusters, ca, clusters.map((c) => ensureTokens(c.index).admin));
  const watchesBefore = (await scrapeAll()).map(openWatches);
  serve = await startServe(configPath, join(dir, "mcks.sock"));
  const pid = serve.child.pid!;
  await sleep(2000);
  const rssIdle = await rssMiB(pid);
  log(`mcks serve pid ${pid} (${process.env.MCKS_BIN}), RSS idle ${rssIdle.toFixed(1)} MiB; agent watches before: ${watchesBefore.join(", ")}`);

  // When mcks itself reports the Pod ready (progress 80) and the route up (95), per user.
  const stageAt = new Map<string, { podReady?: number; routeUp?: number }>();
  const onProgress = (method: string, params: unknown): void => {
    const p = params as { user?: string; event?: { progress?: number } };
    if (method !== "server.progress" || !p.user) return;
    const e = stageAt.get(p.user) ?? {};
    if (p.event?.progress === 80) e.podReady ??= Date.now();
    if (p.event?.progress === 95) e.routeUp ??= Date.now();
    stageAt.set(p.user, e);
  };
  const clients: RpcClient[] = await Promise.all(Array.from({ length: CONNECTIONS }, () => serve!.client(onProgress)));
  const user = (i: number) => ({ name: `bench-u${i}` });
  const states: (ServerState | undefined)[] = new Array(USERS);

  // One at a time first (each stopped again), so queueing behind other starts is not in it.
  const seqMs: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const c = clusters[i % clusters.length]!;
    const u = { name: `bench-seq${i}` };
    const s = performance.now();
    const r = await clients[0]!.call("server.start", { user: u, server: "", profile: profileSlug(c), options: {}, env: {} }, { timeoutMs: 120_000 });
    seqMs.push(performance.now() - s);
    await clients[0]!.call("server.stop", { user: u, server: "", state: r.state }, { timeoutMs: 120_000 });
  }
  log(`${SEQUENTIAL} sequential starts: p50 ${Math.round(percentile(seqMs, 50))} ms, p99 ${Math.round(percentile(seqMs, 99))} ms`);
  const startMs: number[] = [];
  const urlAt = new Map<string, number>();
  const failures: string[] = [];

  // Sample open watches and RSS while the burst runs.
  let sampling = true;
  let maxWatches = 0;
  let rssPeak = rssIdle;
  const sampler = (async () => {
    while (sampling) {
      const w = (await scrapeAll()).map(openWatches);
      maxWatches = Math.max(maxWatches, ...w.map((x, i) => x - watchesBefore[i]!));
      rssPeak = Math.max(rssPeak, await rssMiB(pid));
      await sleep(5000); // the scrape costs the bench's event loop, which also times the starts
    }
  })();

  const pids = readPids();
  const cpuOf = async (): Promise<Record<string, number>> => {
    const groups: Record<string, number[]> = {
      mcks: [pid],
      apiservers: clusters.map((c) => pids[`apiserver-${c.index}`]?.pid ?? 0),
      etcd: [pids.etcd?.pid ?? 0],
      agents: clusters.map((c) => pids[`agent-${c.index}`]?.pid ?? 0),
    };
    const out: Record<string, number> = {};
    for (const [k, ps] of Object.entries(groups)) out[k] = (await Promise.all(ps.map((p) => cpuSeconds(p)))).reduce((a, b) => a + b, 0);
    return out;
  };
  const cpuBefore = await cpuOf();
  const startScrape = await scrapeAll();
  const reqBefore = mcksRequests(startScrape);
  log(`starting ${USERS} servers over ${CONNECTIONS} connections on ${clusters.map((c) => c.name).join(", ")}`);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const t0 = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const c = clusters[i % clusters.length]!;
      const s = performance.now();
      try {
        const r = await clients[i % CONNECTIONS]!.call("server.start", { user: user(i), server: "", profile: profileSlug(c), options: {}, env: {} }, { timeoutMs: 0 });
        urlAt.set(user(i).name, Date.now());
        startMs.push(performance.now() - s);
        states[i] = r.state;
        if (r.url !== `${c.ingressUrl}/user/${user(i).name}/`) failures.push(`${user(i).name}: URL ${r.url}, the bench probed ${c.ingressUrl}/user/${user(i).name}/`);
      } catch (e) {
        failures.push(`${user(i).name}: ${(e as Error).message}`);
      }
      done += 1;
      if (done % 100 === 0) log(`${done}/${USERS} answered after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }),
  );
  const burstWall = (performance.now() - t0) / 1000;
  loopDelay.disable();
  log(`the bench's own event loop during the burst: delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`);
  // Routes of the last starts may still be probed by the bench: give them a moment, then stop.
  await sleep(2000);
  const readyTimes = await tracker.stop();
  const readyToUrl: number[] = [];
  const readyToUrlFromSend: number[] = [];
  const routeAfterReady: number[] = [];
  const describeTimes = (name: string, at: number): string => {
    const t = readyTimes.get(name);
    const m = stageAt.get(name);
    if (!t) return `${name}: no times`;
    return `${name}, ms after its Ready condition (${new Date(t.lttAt).toISOString()}): the bench saw it ${t.seenAt - t.lttAt}, mcks ${(m?.podReady ?? Number.NaN) - t.lttAt}; route answered ${(t.routeAt ?? Number.NaN) - t.lttAt} (probe sent ${(t.routeSentAt ?? Number.NaN) - t.lttAt}), mcks saw it ${(m?.routeUp ?? Number.NaN) - t.lttAt}; URL ${at - t.lttAt}`;
  };
  const slowest: { name: string; at: number; ms: number }[] = [];
  for (const [name, at] of urlAt) {
    // Ready in the API: whichever saw it first, the bench's watch or mcks (which can report
    // only what the API server has). Route: the bench's probe, else mcks's report of it.
    const t = readyTimes.get(name);
    const m = stageAt.get(name);
    const readyAt = Math.min(t?.seenAt ?? Infinity, m?.podReady ?? Infinity);
    const routeAt = t?.routeAt ?? m?.routeUp;
    if (!Number.isFinite(readyAt) || routeAt === undefined) {
      failures.push(`${name}: neither the bench nor mcks saw its Pod Ready and its route answering before its URL came back`);
      continue;
    }
    readyToUrl.push(at - Math.max(readyAt, routeAt));
    readyToUrlFromSend.push(at - Math.max(readyAt, t?.routeSentAt ?? routeAt));
    routeAfterReady.push(routeAt - readyAt);
    slowest.push({ name, at, ms: at - Math.max(readyAt, routeAt) });
    if (readyToUrl.length % 100 === 1) log(describeTimes(name, at));
  }
  // Where mcks's share was largest, what each side saw when.
  for (const x of slowest.sort((a, b) => b.ms - a.ms).slice(0, 5)) log(`slowest (${x.ms} ms): ${describeTimes(x.name, x.at)}`);
  log(`URL returned − max(Pod Ready, route answering): p50 ${percentile(readyToUrl, 50)} ms, p99 ${percentile(readyToUrl, 99)} ms, max ${percentile(readyToUrl, 100)} ms; route answering − Pod Ready: p50 ${percentile(routeAfterReady, 50)} ms, p99 ${percentile(routeAfterReady, 99)} ms`);
  log(`the same from the answering probe's send (the ingress's answering time counted as mcks's): p50 ${percentile(readyToUrlFromSend, 50)} ms, p99 ${percentile(readyToUrlFromSend, 99)} ms`);
  const cpuAfter = await cpuOf();
  const burstCpu = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, Number((v - cpuBefore[k]!).toFixed(1))]));
  log(`CPU seconds during the burst: ${Object.entries(burstCpu).map(([k, v]) => `${k} ${v}`).join(", ")} (wall ${((performance.now() - t0) / 1000).toFixed(1)} s, 2 cores)`);
  const endScrape = await scrapeAll();
  const reqAfter = mcksRequests(endScrape);
  log(`requests per start by verb, resource, code: ${mixDelta(startScrape, endScrape, Math.max(1, startMs.length))}`);
  log(`${startMs.length} ready, ${failures.length} failed in ${burstWall.toFixed(1)} s${failures.length ? `; first failure: ${failures[0]}` : ""}`);

  // Every running server's objects are in its cluster.
  let landed = 0;
  for (const c of clusters) landed += managed(bed.kubeconfig, c.context).length;
  log(`${landed} managed objects in the clusters (${startMs.length} × ${OBJECTS_PER_START} expected)`);
  if (landed !== startMs.length * OBJECTS_PER_START) failures.push(`expected ${startMs.length * OBJECTS_PER_START} objects in the clusters, found ${landed}`);

  sampling = false;
  await sampler;
  // V8 gives back the garbage of the burst only after it has been idle a while (its memory
  // reducer): RSS is read when it has settled, sampled every 5 s.
  let rssAt = await rssMiB(pid);
  rssPeak = Math.max(rssPeak, rssAt);
  const settleEnd = Date.now() + SETTLE_SECONDS * 1000;
  const trail = [rssAt.toFixed(0)];
  while (Date.now() < settleEnd) {
    await sleep(5000);
    rssAt = await rssMiB(pid);
    trail.push(rssAt.toFixed(0));
  }
  log(`RSS with ${startMs.length} running, every 5 s after the burst: ${trail.join(" ")} MiB`);

  // server.poll round trips on one connection, one at a time (the hub polls sequentially).
  const pollMs: number[] = [];
  const running = states.map((s, i) => [s, i] as const).filter(([s]) => s !== undefined);
  for (let k = 0; k < POLLS + 500; k++) {
    const [state, i] = running[k % running.length]!;
    const s = performance.now();
    const r = await clients[0]!.call("server.poll", { user: user(i), server: "", state: state! });
    if (k >= 500) pollMs.push(performance.now() - s); // the first 500 warm up the JIT
    if (r.status !== null) failures.push(`poll of ${user(i).name} said ${r.status}, expected null (running)`);
  }
  log(`poll p50 ${percentile(pollMs, 50).toFixed(3)} ms, p99 ${percentile(pollMs, 99).toFixed(3)} ms over ${pollMs.length} calls`);

  const stopScrape = await scrapeAll();
  const stopBefore = mcksRequests(stopScrape);
  const stopMs: number[] = [];
  const t1 = performance.now();
  await Promise.all(
    running.map(async ([state, i]) => {
      const s = performance.now();
      try {
        await clients[i % CONNECTIONS]!.call("server.stop", { user: user(i), server: "", state: state! }, { timeoutMs: 0 });
        stopMs.push(performance.now() - s);
      } catch (e) {
        failures.push(`stop ${user(i).name}: ${(e as Error).message}`);
      }
    }),
  );
  const stopWall = (performance.now() - t1) / 1000;
  const stopEndScrape = await scrapeAll();
  const stopAfter = mcksRequests(stopEndScrape);
  // A stop returns once the Pod is gone; the cluster's garbage collector removes the rest after.
  const collected = await collectorDone();
  const leftover = collected.left;
  log(`${stopMs.length} stopped in ${stopWall.toFixed(1)} s; the collector removed the rest ${collected.seconds.toFixed(1)} s later; ${leftover} managed objects left`);
  log(`requests per stop by verb, resource, code: ${mixDelta(stopScrape, stopEndScrape, Math.max(1, stopMs.length))}`);
  await Promise.all(clients.map((c) => c.close()));
  await serve.stop();

  // Memory per server: a fresh daemon, so the burst's heap growth is not in it.
  serve = await startServe(configPath, join(dir, "mcks-mem.sock"));
  const memClients: RpcClient[] = await Promise.all(Array.from({ length: CONNECTIONS }, () => serve!.client()));
  await sleep(2000);
  const mem = await memoryLadder({ pid: serve.child.pid!, clients: memClients, levels: MEMORY_LEVELS, profileOf: (i) => profileSlug(clusters[i % clusters.length]!), settleSeconds: SETTLE_SECONDS, log });

  const memFailures = [...mem.failures];
  log(`memory: ${mem.slopeMiBPer1000} MiB RSS and ${mem.heapSlopeMiBPer1000} MiB V8 heap per 1000 servers`);
  await Promise.all(
    mem.started.map(async ({ user: name, state }, k) => {
      try {
        await memClients[k % CONNECTIONS]!.call("server.stop", { user: { name }, server: "", state }, { timeoutMs: 0 });
      } catch (e) {
        memFailures.push(`stop ${name}: ${(e as Error).message}`);
      }
    }),
  );
  const memLeft = (await collectorDone()).left;
  if (memLeft > 0) memFailures.push(`${memLeft} managed objects left after stopping the memory ladder's servers`);
  for (const f of memFailures.slice(0, 5)) log(`memory ladder FAILURE: ${f}`);
  await Promise.all(memClients.map((c) => c.close()));
  await serve.stop();
  const at1000 = mem.levels.find((l) => l.servers === 1000);

  const result: BurstResult = {
    burstUsers: USERS,
    burstFailures: failures.length,
    burstWallSeconds: Number(burstWall.toFixed(1)),
    burstP50Ms: Math.round(percentile(startMs, 50)),
    burstP99Ms: Math.round(percentile(startMs, 99)),
    burstP99OverheadMs: Math.round(percentile(startMs, 99) - FAKE_DELAY_MS),
    burstReadyToUrlP50Ms: Math.round(percentile(readyToUrl, 50)),
    burstReadyToUrlP99Ms: Math.round(percentile(readyToUrl, 99)),
    burstReadyToUrlMaxMs: Math.round(percentile(readyToUrl, 100)),
    burstReadyToUrlFromSendP99Ms: Math.round(percentile(readyToUrlFromSend, 99)),
    burstRouteAfterReadyP50Ms: Math.round(percentile(routeAfterReady, 50)),
    burstRouteAfterReadyP99Ms: Math.round(percentile(routeAfterReady, 99)),
    daemonCpuMsPerSpawn: Math.round((burstCpu.mcks! * 1000) / Math.max(1, startMs.length)),
    sequentialP99OverheadMs: Math.round(percentile(seqMs, 99) - FAKE_DELAY_MS),
    burstCpuSeconds: burstCpu,
    fakeDelayMs: FAKE_DELAY_MS,
    objectsPerStart: OBJECTS_PER_START,
    apiRequestsPerStart: Number(((reqAfter - reqBefore) / Math.max(1, startMs.length)).toFixed(2)),
    apiRequestsPerStop: Number(((stopAfter - stopBefore) / Math.max(1, stopMs.length)).toFixed(2)),
    watchesPerCluster: maxWatches,
    rssMbIdle: Number(rssIdle.toFixed(1)),
    rssMbAt1000: Number(rssAt.toFixed(1)),
    rssMbPeak: Number(rssPeak.toFixed(1)),
    pollP50Ms: Number(percentile(pollMs, 50).toFixed(3)),
    pollP99Ms: Number(percentile(pollMs, 99).toFixed(3)),
    stopWallSeconds: Number(stopWall.toFixed(1)),
    stopP99Ms: Math.round(percentile(stopMs, 99)),
    leftoverObjects: leftover,
    stopCollectedSeconds: Number(collected.seconds.toFixed(1)),
    memoryLevels: mem.levels,
    memorySlopeMiBPer1000: mem.slopeMiBPer1000,
    memoryHeapSlopeMiBPer1000: mem.heapSlopeMiBPer1000,
    memoryRssMiBAt1000: at1000?.rssMiB ?? Number.NaN,
    memoryFailures: memFailures.length,
  };
  for (const f of failures.slice(0, 10)) log(`FAILURE: ${f}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = failures.length > 0 || leftover > 0 || memFailures.length > 0 ? 1 : 0;
} finally {
  if (serve && serve.child.exitCode === null) await serve.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(deadline);
}
