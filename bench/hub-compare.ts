/**
 * KubeSpawner and mcks side by side: the same real JupyterHub version (6.1.1, pinned in
 * bench/requirements.txt and hub/requirements.txt) with configurable-http-proxy, on the same bed
 * cluster, N concurrent spawns through the REST API, the same image and resources. Runs:
 *   - `kubespawner`: jupyterhub-kubespawner 7.1.0 (bench/.venv), kubeconfig context testbed-1's
 *     restricted user (the identity mcks uses), namespace default;
 *   - `mcks`: our spawner (hub/.venv) + `mcks serve` (dist/mcks), all users on testbed-1;
 *   - `mcksDirect`: the same as `mcks` with `routing: "pod-ip"` and no ServiceAccount (the hub
 *     reaches the bed's loopback pod IPs, as KubeSpawner's hub does): a Secret and a Pod per start;
 *   - `mcks3`: the same, users spread over testbed-1…3;
 *   - `upstream`: upstream's jupyterhub-multicluster-kubespawner 0.2 (bench/.venv), testbed-1.
 *
 * Each run: start the hub (and the daemon), create the users, POST every server at once
 * (`slow_spawn_timeout` is raised, so a POST answers when the server is ready: its latency is the
 * spawn time), then DELETE every server at once (likewise `slow_stop_timeout`). Measured: wall
 * time until all are ready, spawn p50/p99, CPU seconds of the hub (and the daemon) over spawns +
 * stops, API requests per start and per stop and the most watches open (the API servers'
 * /metrics), the hub's RSS with all running, and the objects left after stopping.
 *
 * Its JSON holds one object per run and, at the top, the figures the footprint goals are about:
 * `apiRequestsPerStart`, `apiRequestsPerStop`, `daemonCpuMsPerSpawn` (the `mcks` run, ingress
 * routing) and `directApiRequestsPerStart`, `directApiRequestsPerStop`, `directDaemonCpuMsPerSpawn`
 * (the `mcksDirect` run), for the runs that ran. Those request counts are the daemon's own
 * (`own…` of the run): the API servers' counters cannot tell a spawner's DELETE from the garbage
 * collector's that follow it.
 *
 *   node bench/hub-compare.ts [--users 200] [--upstream-users 50] [--runs kubespawner,mcks,mcksDirect,mcks3,upstream]
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureVenv, loopbackHubConfig, stopLeftoverProxy } from "../test/e2e/hub-stack.ts";
import { settled } from "../test/integration/serve-fixture.ts";
import { freePort, httpOk, start, stop, unixSocketAccepts, waitReady, type Running } from "../test/e2e/processes.ts";
import { ensureTokens } from "../test/testbed/certs.ts";
import { ensureBed, type Bed } from "../test/testbed/bed.ts";
import * as L from "../test/testbed/layout.ts";
import type { BedCluster } from "../test/testbed/state.ts";
import { fetchMetrics, isMcksRequest, openWatches, parseMetrics, sum, type Sample } from "./apiserver-metrics.ts";
import { profileSlug, writeBurstConfig } from "./burst-config.ts";
import { cpuSeconds, percentile, rssMiB } from "./percentile.ts";
import { benchPython } from "./upstream.ts";

export type RunName = "kubespawner" | "mcks" | "mcksDirect" | "mcks3" | "upstream";
export const RUN_NAMES: readonly RunName[] = ["kubespawner", "mcks", "mcksDirect", "mcks3", "upstream"];

export interface HubRunResult {
  readonly users: number;
  readonly clusters: number;
  readonly failures: number;
  readonly wallAllReadyS: number;
  readonly spawnP50Ms: number;
  readonly spawnP99Ms: number;
  readonly stopWallS: number;
  /** CPU seconds over the spawns and the stops; the hub's include its exited children (upstream's kubectl processes). */
  readonly hubCpuS: number;
  readonly daemonCpuS: number;
  readonly hubCpuMsPerSpawn: number;
  readonly daemonCpuMsPerSpawn: number;
  /** At the API servers (their /metrics): the spawner's requests and what the cluster does in answer (the garbage collector's, the kubelet's final DELETE). */
  readonly apiRequestsPerStart: number;
  readonly apiRequestsPerStop: number;
  /** Our runs: the daemon's own requests, watches not included (its mcks_kube_request_duration_seconds); 0 for the others. */
  readonly ownApiRequestsPerStart: number;
  readonly ownApiRequestsPerStop: number;
  /** The most WATCH requests open at once beyond the bed's own, summed over the clusters used. */
  readonly watchesOpen: number;
  readonly hubRssMiB: number;
  readonly daemonRssMiB: number;
  readonly objectsLeft: number;
  readonly loadStart: number;
  readonly loadEnd: number;
}

const root = join(import.meta.dirname, "..");
const log = (m: string): void => void process.stderr.write(`[hub-compare] ${m}\n`);
const IMAGE = "testbed/singleuser:latest";
const START_TIMEOUT_S = 240;
const KINDS = "pods,services,serviceaccounts,secrets,configmaps,persistentvolumeclaims,ingresses.networking.k8s.io";

/** Requests a spawner makes: isMcksRequest, less what a real controller-manager adds. */
const spawnerRequest = (l: Readonly<Record<string, string>>): boolean => isMcksRequest(l) && !["endpoints", "endpointslices"].includes(l.resource ?? "");

/** Objects either spawner leaves in `default` (KubeSpawner's label, ours, upstream's). */
function objectsIn(bed: Bed, c: BedCluster): number {
  let n = 0;
  for (const sel of ["component=singleuser-server", "app.kubernetes.io/managed-by=multicluster-kubespawner", "mcks.hub.jupyter.org/key"]) {
    const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "--context", c.context, "get", KINDS, "-n", "default", "-l", sel, "-o", "name"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`kubectl get on ${c.name}: ${r.stderr}`);
    n += r.stdout.split("\n").filter(Boolean).length;
  }
  return n;
}

/** A kubeconfig holding only `context`, as current context (KubeSpawner and upstream read the current one). */
function kubeconfigFor(bed: Bed, context: string, file: string): string {
  const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "config", "view", "--flatten", "--minify", "--context", context], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubectl config view: ${r.stderr}`);
  writeFileSync(file, r.stdout, { mode: 0o600 });
  return file;
}

function hubConfig(o: { url: string; hubPort: number; apiPort: number; dir: string; token: string; users: number; spawner: string }): string {
  return `${loopbackHubConfig({ ...o, service: "bench", scopes: ["admin:users", "admin:servers"] })}
# N spawns at once: no limit below N, and a POST/DELETE answers when the spawn/stop has finished.
c.JupyterHub.concurrent_spawn_limit = ${o.users + 10}
c.JupyterHub.active_server_limit = 0
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 900, "slow_stop_timeout": 900}
c.JupyterHub.log_level = "INFO"
# Below the bench's own 300 s per request (undici's header timeout): a spawn that hangs
# (KubeSpawner retrying a pod create that timed out) fails at the hub, as a user would see it.
c.Spawner.start_timeout = ${START_TIMEOUT_S}
c.Spawner.http_timeout = 120
c.Spawner.cpu_limit = 1
# A real scheduler places pods by their requests: without a guarantee the 1-CPU limit is also the request.
c.Spawner.cpu_guarantee = 0.01
c.Spawner.mem_limit = "256M"
c.Spawner.mem_guarantee = "64M"
c.Spawner.hub_connect_url = "http://127.0.0.1:${o.hubPort}"
${o.spawner}
`;
}

export async function hubRun(bed: Bed, run: RunName, users: number): Promise<HubRunResult> {
  const loadStart = loadavg()[0]!;
  const clusters = run === "mcks3" ? bed.clusters.slice(0, 3) : bed.clusters.slice(0, 1);
  const dir = join(root, "test-output/bench", `hub-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [proxyPort, apiPort, hubPort] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${proxyPort}`;
  const token = randomBytes(24).toString("hex");
  const ours = run === "mcks" || run === "mcksDirect" || run === "mcks3";
  const venv = ours ? join(root, "hub/.venv") : join(benchPython(), "../..");
  const socket = join(dir, "mcks.sock");
  const ctx = clusters[0]!.restrictedContext;
  const spawnerConfig = {
    kubespawner: `
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.KubeSpawner.namespace = "default"
c.KubeSpawner.image = "${IMAGE}"
c.KubeSpawner.start_timeout = ${START_TIMEOUT_S}`,
    upstream: `
c.JupyterHub.spawner_class = "multicluster_kubespawner.spawner.MultiClusterKubeSpawner"
c.MultiClusterKubeSpawner.kubernetes_context = "${ctx}"
c.MultiClusterKubeSpawner.ingress_public_url = "${clusters[0]!.ingressUrl}"
c.MultiClusterKubeSpawner.profile_list = [{"display_name": "bench", "slug": "bench", "default": True, "spawner_override": {"image": "${IMAGE}"}}]`,
    mcks: `
c.JupyterHub.spawner_class = "multicluster"
c.MultiClusterKubeSpawner.socket_path = "${socket}"`,
  }[ours ? "mcks" : run];
  writeFileSync(join(dir, "jupyterhub_config.py"), hubConfig({ url, hubPort, apiPort, dir, token, users, spawner: spawnerConfig }));
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(root, "node_modules/.bin")}:${join(venv, "bin")}:${process.env.PATH ?? ""}`,
    HOME: dir,
    KUBECONFIG: ours ? bed.kubeconfig : kubeconfigFor(bed, ctx, join(dir, "kubeconfig")),
  };

  const ca = join(L.pkiDir, "ca.crt");
  const scrape = (): Promise<Sample[][]> => Promise.all(clusters.map((c) => fetchMetrics(c.apiserverUrl, ca, ensureTokens(c.index).admin)));
  const requests = (s: Sample[][]): number => s.reduce((a, x) => a + sum(x, "apiserver_request_total", spawnerRequest), 0);
  const watches = (s: Sample[][]): number => s.reduce((a, x) => a + openWatches(x), 0);

  const failures: string[] = [];
  let metricsPort = 0;
  /** The daemon's own API requests so far (its metrics), watches not included; 0 without a daemon. */
  const ownRequests = async (): Promise<number> => {
    if (!metricsPort) return 0;
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return sum(parseMetrics(text, ["mcks_kube_request_duration_seconds_count"]), "mcks_kube_request_duration_seconds_count", (l) => l.verb !== "WATCH");
  };
  let daemon: Running | undefined;
  let hub: Running | undefined;
  const watchesBefore = watches(await scrape());
  try {
    if (ours) {
      const config = writeBurstConfig(dir, bed.kubeconfig, clusters, START_TIMEOUT_S, 30, { patches: {}, routing: run === "mcksDirect" ? "pod-ip" : "ingress" });
      metricsPort = await freePort();
      // MCKS_BIN may name another daemon command (a wrapper with V8 flags, to profile it), as in the burst.
      daemon = start("mcks serve", process.env.MCKS_BIN ?? join(root, "dist/mcks"), ["serve", "-c", config, "--socket", socket, "--metrics-listen", `127.0.0.1:${metricsPort}`], {
        cwd: dir,
        env,
        log: join(dir, "serve.log"),
      });
      await waitReady(daemon, () => unixSocketAccepts(socket), 60_000);
    }
    hub = start("jupyterhub", join(venv, "bin/jupyterhub"), ["-f", join(dir, "jupyterhub_config.py")], { cwd: dir, env, log: join(dir, "hub.log") });
    await waitReady(hub, () => httpOk(`${url}/hub/api/`), 120_000);
    const hubPid = hub.child.pid!;
    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> => {
      const r = await fetch(`${url}/hub/api${path}`, {
        method,
        headers: { Authorization: `token ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(1_000_000),
      });
      return { status: r.status, text: await r.text() };
    };
    // The hub keeps user names in lower case (mcksDirect would be another user).
    const names = Array.from({ length: users }, (_, i) => `hb-${run.toLowerCase()}-u${i}`);
    const made = await api("POST", "/users", { usernames: names });
    if (made.status !== 201) throw new Error(`POST /users: ${made.status} ${made.text.slice(0, 300)}`);

    let sampling = true;
    let maxWatches = 0;
    let hubRss = 0;
    const sampler = (async () => {
      while (sampling) {
        maxWatches = Math.max(maxWatches, watches(await scrape()) - watchesBefore);
        await sleep(2000);
      }
    })();
    const cpu0 = { hub: await cpuSeconds(hubPid, true), daemon: daemon ? await cpuSeconds(daemon.child.pid!) : 0 };
    const req0 = requests(await scrape());
    const own0 = await ownRequests();
    log(`${run}: ${users} spawns through ${url} on ${clusters.map((c) => c.name).join(", ")}`);
    const t0 = performance.now();
    const spawnMs: number[] = [];
    await Promise.all(
      names.map(async (name, i) => {
        const s = performance.now();
        const body = ours ? { profile: profileSlug(clusters[i % clusters.length]!) } : {};
        const r = await api("POST", `/users/${name}/server`, body).catch((e: Error) => ({ status: 0, text: e.message }));
        if (r.status === 201) spawnMs.push(performance.now() - s);
        else failures.push(`${name}: POST server answered ${r.status} ${r.text.slice(0, 200)}`);
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const req1 = requests(await scrape());
    const own1 = await ownRequests();
    hubRss = await rssMiB(hubPid);
    const daemonRss = daemon ? await rssMiB(daemon.child.pid!) : 0;
    log(`${run}: ${spawnMs.length} ready, ${failures.length} failed in ${wall.toFixed(1)} s; hub RSS ${hubRss.toFixed(0)} MiB`);

    const t1 = performance.now();
    await Promise.all(
      names.map(async (name) => {
        const r = await api("DELETE", `/users/${name}/server`).catch((e: Error) => ({ status: 0, text: e.message }));
        if (r.status !== 204) failures.push(`${name}: DELETE server answered ${r.status} ${r.text.slice(0, 200)}`);
      }),
    );
    const stopWall = (performance.now() - t1) / 1000;
    const cpu1 = { hub: await cpuSeconds(hubPid, true), daemon: daemon ? await cpuSeconds(daemon.child.pid!) : 0 };
    sampling = false;
    await sampler;
    // The fake kubelet removes a deleted Pod a moment after the spawner's DELETE: let it finish.
    await sleep(3000);
    const req2 = requests(await scrape());
    const own2 = await ownRequests();
    // Our stop leaves a server's other objects to the cluster's garbage collector: give it time.
    const left = await settled(() => clusters.reduce((a, c) => a + objectsIn(bed, c), 0), (n) => n === 0, 60_000, 2000);
    log(`${run}: stopped in ${stopWall.toFixed(1)} s, ${left} objects left; hub CPU ${(cpu1.hub - cpu0.hub).toFixed(1)} s, daemon ${(cpu1.daemon - cpu0.daemon).toFixed(1)} s`);
    for (const f of failures.slice(0, 5)) log(`FAILURE ${f}`);
    const n = Math.max(1, spawnMs.length);
    return {
      users,
      clusters: clusters.length,
      failures: failures.length,
      wallAllReadyS: Number(wall.toFixed(1)),
      spawnP50Ms: Math.round(percentile(spawnMs, 50)),
      spawnP99Ms: Math.round(percentile(spawnMs, 99)),
      stopWallS: Number(stopWall.toFixed(1)),
      hubCpuS: Number((cpu1.hub - cpu0.hub).toFixed(1)),
      daemonCpuS: Number((cpu1.daemon - cpu0.daemon).toFixed(1)),
      hubCpuMsPerSpawn: Math.round(((cpu1.hub - cpu0.hub) * 1000) / n),
      daemonCpuMsPerSpawn: Math.round(((cpu1.daemon - cpu0.daemon) * 1000) / n),
      apiRequestsPerStart: Number(((req1 - req0) / n).toFixed(2)),
      apiRequestsPerStop: Number(((req2 - req1) / n).toFixed(2)),
      ownApiRequestsPerStart: Number(((own1 - own0) / n).toFixed(2)),
      ownApiRequestsPerStop: Number(((own2 - own1) / n).toFixed(2)),
      watchesOpen: maxWatches,
      hubRssMiB: Number(hubRss.toFixed(1)),
      daemonRssMiB: Number(daemonRss.toFixed(1)),
      objectsLeft: left,
      loadStart,
      loadEnd: loadavg()[0]!,
    };
  } finally {
    if (hub) await stop(hub, "SIGTERM");
    stopLeftoverProxy(dir);
    if (daemon) await stop(daemon, "SIGTERM");
  }
}

/**
 * Upstream 0.2 runs a kubectl process per step of every spawn (apply, then wait for Ready, then
 * one per poll): N at once is N × 2 processes of ~40 MiB, so its run has fewer users by default.
 */
export const UPSTREAM_USERS = 50;

/** The footprint goals' figures, at the top of the JSON (see the header). */
export interface HubSummary {
  readonly apiRequestsPerStart?: number;
  readonly apiRequestsPerStop?: number;
  readonly daemonCpuMsPerSpawn?: number;
  readonly directApiRequestsPerStart?: number;
  readonly directApiRequestsPerStop?: number;
  readonly directDaemonCpuMsPerSpawn?: number;
}

export type HubCompareResult = Partial<Record<RunName, HubRunResult>> & HubSummary;

export function hubSummary(runs: Partial<Record<RunName, HubRunResult>>): HubSummary {
  const { mcks, mcksDirect } = runs;
  return {
    ...(mcks ? { apiRequestsPerStart: mcks.ownApiRequestsPerStart, apiRequestsPerStop: mcks.ownApiRequestsPerStop, daemonCpuMsPerSpawn: mcks.daemonCpuMsPerSpawn } : {}),
    ...(mcksDirect
      ? {
          directApiRequestsPerStart: mcksDirect.ownApiRequestsPerStart,
          directApiRequestsPerStop: mcksDirect.ownApiRequestsPerStop,
          directDaemonCpuMsPerSpawn: mcksDirect.daemonCpuMsPerSpawn,
        }
      : {}),
  };
}

export async function hubCompare(runs: readonly RunName[], users: number, upstreamUsers = UPSTREAM_USERS): Promise<HubCompareResult> {
  const unknown = runs.filter((r) => !RUN_NAMES.includes(r));
  if (unknown.length > 0) throw new Error(`unknown run(s) ${unknown.join(", ")}; the runs are ${RUN_NAMES.join(", ")}`);
  ensureVenv();
  // KubeSpawner and upstream 0.2 come from bench/.venv; our runs need only hub/.venv.
  if (runs.includes("kubespawner") || runs.includes("upstream")) benchPython();
  const bed = await ensureBed({ clusters: 3 });
  const out: Partial<Record<RunName, HubRunResult>> = {};
  for (const run of runs) out[run] = await hubRun(bed, run, run === "upstream" ? Math.min(users, upstreamUsers) : users);
  return { ...out, ...hubSummary(out) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: process.env.MCKS_BENCH_HUB_USERS ?? "200" },
      "upstream-users": { type: "string", default: String(UPSTREAM_USERS) },
      runs: { type: "string", default: RUN_NAMES.join(",") },
    },
  });
  const r = await hubCompare(values.runs!.split(",") as RunName[], Number(values.users), Number(values["upstream-users"]));
  console.log(JSON.stringify(r));
}
