/**
 * KubeSpawner and mcks side by side: the same real JupyterHub version (6.1.1, pinned in
 * bench/requirements.txt and hub/requirements.txt) with configurable-http-proxy, on the same bed
 * cluster, N concurrent spawns through the REST API, the same image and resources. Runs:
 *   - `kubespawner`: jupyterhub-kubespawner 7.1.0 (bench/.venv), kubeconfig context testbed-1's
 *     restricted user (the identity mcks uses), namespace default;
 *   - `mcks`: our spawner (hub/.venv) + `mcks serve` (dist/mcks), all users on testbed-1;
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
 *   node bench/hub-compare.ts [--users 200] [--upstream-users 50] [--runs kubespawner,mcks,mcks3,upstream]
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureVenv, loopbackHubConfig, stopLeftoverProxy } from "../test/e2e/hub-stack.ts";
import { freePort, httpOk, start, stop, unixSocketAccepts, waitReady, type Running } from "../test/e2e/processes.ts";
import { ensureTokens } from "../test/testbed/certs.ts";
import { ensureBed, type Bed } from "../test/testbed/bed.ts";
import * as L from "../test/testbed/layout.ts";
import type { BedCluster } from "../test/testbed/state.ts";
import { fetchMetrics, isMcksRequest, openWatches, sum, type Sample } from "./apiserver-metrics.ts";
import { profileSlug, writeBurstConfig } from "./burst-config.ts";
import { cpuSeconds, percentile, rssMiB } from "./percentile.ts";
import { benchPython } from "./upstream.ts";

export type RunName = "kubespawner" | "mcks" | "mcks3" | "upstream";

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
  readonly apiRequestsPerStart: number;
  readonly apiRequestsPerStop: number;
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
  const ours = run === "mcks" || run === "mcks3";
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
  let daemon: Running | undefined;
  let hub: Running | undefined;
  const watchesBefore = watches(await scrape());
  try {
    if (ours) {
      const config = writeBurstConfig(dir, bed.kubeconfig, clusters, START_TIMEOUT_S, 30, { patches: {} });
      daemon = start("mcks serve", join(root, "dist/mcks"), ["serve", "-c", config, "--socket", socket], { cwd: dir, env, log: join(dir, "serve.log") });
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
    const names = Array.from({ length: users }, (_, i) => `hb-${run}-u${i}`);
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
    const left = clusters.reduce((a, c) => a + objectsIn(bed, c), 0);
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

export async function hubCompare(runs: readonly RunName[], users: number, upstreamUsers = UPSTREAM_USERS): Promise<Partial<Record<RunName, HubRunResult>>> {
  ensureVenv();
  benchPython();
  const bed = await ensureBed({ clusters: 3 });
  const out: Partial<Record<RunName, HubRunResult>> = {};
  for (const run of runs) out[run] = await hubRun(bed, run, run === "upstream" ? Math.min(users, upstreamUsers) : users);
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: process.env.MCKS_BENCH_HUB_USERS ?? "200" },
      "upstream-users": { type: "string", default: String(UPSTREAM_USERS) },
      runs: { type: "string", default: "kubespawner,mcks,mcks3,upstream" },
    },
  });
  const r = await hubCompare(values.runs!.split(",") as RunName[], Number(values.users), Number(values["upstream-users"]));
  console.log(JSON.stringify(r));
}
