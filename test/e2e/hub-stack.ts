/**
 * A real JupyterHub (hub/.venv, pinned) with configurable-http-proxy (node_modules/.bin, found on
 * PATH as JupyterHub expects), DummyAuthenticator, our spawner, and a real `mcks serve`
 * (test/e2e/config.ts) on the test bed. Everything binds to 127.0.0.1 on free ports; files and
 * logs go to test-output/e2e/<name>/.
 *
 * The hub keeps servers across its own restarts (cleanup_servers = False) so a test can restart
 * the daemon and the hub under running servers. An API token for a service `e2e` with admin
 * scopes (and `proxy`, to read the proxy's routes) drives the REST API.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { podNetwork, settled } from "../integration/serve-fixture.ts";
import { freePort, httpOk, start, stop, unixSocketAccepts, waitReady, type Running } from "./processes.ts";

export const repo = resolve(import.meta.dirname, "../..");
const venv = join(repo, "hub/.venv");

export interface HubStack {
  readonly bed: Bed;
  /** The proxy's public URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  readonly dir: string;
  readonly socket: string;
  readonly token: string;
  startDaemon(): Promise<void>;
  stopDaemon(signal?: NodeJS.Signals): Promise<void>;
  startHub(): Promise<void>;
  stopHub(): Promise<void>;
  /** REST call to /hub/api with the service token; returns status and parsed JSON (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** Makes sure hub/.venv exists with the pinned packages (idempotent, quick when it does). */
export function ensureVenv(): void {
  const r = spawnSync("bash", [join(repo, "test/setup/hub-venv.sh")], { cwd: repo, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0) throw new Error(`test/setup/hub-venv.sh failed (exit ${r.status ?? r.signal}): the hub's Python environment is needed`);
}

function readFileIfAny(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function pyString(s: string): string {
  return JSON.stringify(s);
}

/**
 * fetch, sent once more when the pooled keep-alive connection it went out on had just been
 * closed by the other side (configurable-http-proxy drops idle sockets after 5 s; a test that
 * spends longer in kubectl reuses one at that moment): no answer came, so repeating is safe.
 */
export async function fetchFresh(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code !== "UND_ERR_SOCKET") throw err;
    return fetch(url, init);
  }
}

/** Where a loopback test hub listens and keeps its files, and the service whose token drives it. */
export interface LoopbackHub {
  /** The proxy's public URL. */
  readonly url: string;
  readonly hubPort: number;
  readonly apiPort: number;
  /** Its database, cookie secret and pid files. */
  readonly dir: string;
  /** A service holding `token` with `scopes`, for the REST API. */
  readonly service: string;
  readonly token: string;
  readonly scopes: readonly string[];
}

/**
 * The jupyterhub_config.py lines every test hub on loopback shares (the E2E stack, the upgrade
 * test, the hub bench): DummyAuthenticator for anyone, its addresses, its files in `dir`, and an
 * API token; the spawner's lines come on top.
 */
export function loopbackHubConfig(o: LoopbackHub): string {
  return `
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.bind_url = ${pyString(o.url)}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:${o.hubPort}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${o.apiPort}"
c.ConfigurableHTTPProxy.auth_token = ${pyString(randomBytes(24).toString("hex"))}
c.JupyterHub.db_url = ${pyString(`sqlite:///${join(o.dir, "jupyterhub.sqlite")}`)}
c.JupyterHub.cookie_secret_file = ${pyString(join(o.dir, "cookie_secret"))}
c.JupyterHub.pid_file = ${pyString(join(o.dir, "jupyterhub.pid"))}
c.ConfigurableHTTPProxy.pid_file = ${pyString(join(o.dir, "proxy.pid"))}
c.JupyterHub.services = [{"name": ${pyString(o.service)}, "api_token": ${pyString(o.token)}}]
c.JupyterHub.load_roles = [{"name": ${pyString(o.service)}, "scopes": ${JSON.stringify(o.scopes)}, "services": [${pyString(o.service)}]}]
`;
}

/**
 * The hub stops the proxy it started; if it could not (killed, or killed mid-shutdown), this
 * does, by the pid it wrote in `dir` (loopbackHubConfig), so the next hub gets a fresh proxy and
 * no proxy outlives the test.
 */
export function stopLeftoverProxy(dir: string): void {
  const pid = Number(readFileIfAny(join(dir, "proxy.pid")));
  if (pid > 0) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone: the usual case
    }
  }
}

export interface HubStackOptions {
  /** Appended to jupyterhub_config.py. */
  readonly extraConfig?: string;
  /** The daemon's config; default test/e2e/config.ts. */
  readonly mcksConfig?: string;
  /** More arguments for `mcks serve`. */
  readonly serveArgs?: readonly string[];
}

export async function startHubStack(name: string, opts: HubStackOptions = {}): Promise<HubStack> {
  ensureVenv();
  const bed = await ensureBed({ clusters: 3 });
  const dir = join(repo, "test-output/e2e", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "mcks.sock");
  const [proxyPort, apiPort, hubPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString("hex");
  const url = `http://127.0.0.1:${proxyPort}`;

  // The two lines the README shows, then what a loopback test hub needs.
  const config = `
c.JupyterHub.spawner_class = "multicluster"
c.MultiClusterKubeSpawner.socket_path = ${pyString(socket)}
# Pods in the clusters reach the hub's API here (the bed's pods live on loopback).
c.MultiClusterKubeSpawner.hub_connect_url = "http://127.0.0.1:${hubPort}"
${loopbackHubConfig({ url, hubPort, apiPort, dir, service: "e2e", token, scopes: ["admin:users", "admin:servers", "access:servers", "proxy"] })}
c.Authenticator.admin_users = {"admin"}
c.JupyterHub.cleanup_servers = False
c.JupyterHub.allow_named_servers = True
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 60
c.Spawner.default_url = "/lab"
# Straight to the progress page, even for a start that fails within seconds.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.JupyterHub.log_level = "DEBUG"
${opts.extraConfig ?? ""}
`;
  writeFileSync(join(dir, "jupyterhub_config.py"), config);

  // node_modules/.bin first: configurable-http-proxy (and Node 24 for it).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(repo, "node_modules/.bin")}:${join(venv, "bin")}:${process.env.PATH ?? ""}`,
    KUBECONFIG: bed.kubeconfig,
  };
  delete env.JUPYTERHUB_API_TOKEN;

  let daemon: Running | undefined;
  let hub: Running | undefined;

  const stack: HubStack = {
    bed,
    url,
    dir,
    socket,
    token,
    async startDaemon() {
      const bin = process.env.MCKS_BIN;
      const [cmd, ...head] = bin ? [bin] : [join(repo, "node_modules/.bin/node"), join(repo, "src/main.ts")];
      const config = opts.mcksConfig ?? join(repo, "test/e2e/config.ts");
      daemon = start("mcks serve", cmd!, [...head, "serve", "-c", config, "--socket", socket, ...(opts.serveArgs ?? [])], { cwd: repo, env, log: join(dir, "serve.log") });
      await waitReady(daemon, () => unixSocketAccepts(socket), 90_000);
    },
    async stopDaemon(signal = "SIGTERM") {
      if (daemon) await stop(daemon, signal);
    },
    async startHub() {
      const jupyterhub = join(venv, "bin/jupyterhub");
      if (!existsSync(jupyterhub)) throw new Error(`${jupyterhub} is missing: run test/setup/hub-venv.sh`);
      hub = start("jupyterhub", jupyterhub, ["-f", join(dir, "jupyterhub_config.py")], { cwd: dir, env, log: join(dir, "hub.log") });
      await waitReady(hub, () => httpOk(`${url}/hub/api/`), 120_000);
    },
    async stopHub() {
      if (hub) await stop(hub, "SIGTERM");
      stopLeftoverProxy(dir);
    },
    api: hubApi(url, token),
    async close() {
      await stack.stopHub();
      await stack.stopDaemon();
    },
  };
  try {
    await stack.startDaemon();
    await stack.startHub();
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}

/** REST calls to the hub at `url` (the proxy's public URL) with an API token. */
export function hubApi(url: string, token: string): HubStack["api"] {
  return async (method, path, body) => {
    const r = await fetchFresh(`${url}/hub/api${path}`, {
      method,
      headers: { Authorization: `token ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await r.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the assertion message
    }
    return { status: r.status, json };
  };
}

interface ServerModel {
  readonly ready: boolean;
  readonly pending: string | null;
  readonly url: string;
  readonly state?: unknown;
}

/** GET /users/NAME and return one server's model (undefined when it does not exist). */
export async function serverOf(stack: HubStack, user: string, server = ""): Promise<ServerModel | undefined> {
  const r = await stack.api("GET", `/users/${user}`);
  if (r.status !== 200) throw new Error(`GET /users/${user}: ${r.status} ${JSON.stringify(r.json)}`);
  const servers = (r.json as { servers?: Record<string, ServerModel> }).servers ?? {};
  return servers[server];
}

/** Waits until the server is ready (true) or gone/failed (false). */
export async function waitServer(stack: HubStack, user: string, server = "", timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await serverOf(stack, user, server);
    if (s?.ready) return true;
    if (!s || s.pending === null) return false;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${user}'s server "${server}" was still pending after ${timeoutMs / 1000} s`);
}

/** Waits until the hub no longer lists the server (stop finished). */
export async function waitStopped(stack: HubStack, user: string, server = "", timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await serverOf(stack, user, server);
    if (!s) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${user}'s server "${server}" was not stopped after ${timeoutMs / 1000} s`);
}

/** `kind/name` of the objects mcks manages for a user in one bed cluster (admin context). */
export function managedObjects(stack: HubStack, cluster: string, user: string): string[] {
  const r = spawnSync(
    "kubectl",
    [
      "--kubeconfig", stack.bed.kubeconfig, "--context", cluster, "get",
      "pods,services,secrets,serviceaccounts,ingresses.networking.k8s.io,configmaps,persistentvolumeclaims",
      "--all-namespaces", "-l", `app.kubernetes.io/managed-by=multicluster-kubespawner,hub.jupyter.org/username=${user}`, "-o", "name",
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`kubectl on ${cluster}: ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean);
}

/**
 * A user's managed objects in one cluster once a stop has settled: the hub's stop returns when the
 * Pod is gone, and the cluster's garbage collector removes the rest a moment later. Waits
 * (bounded) until there are none and returns what it last saw, for the caller to assert on.
 */
export function objectsAfterStop(stack: HubStack, cluster: string, user: string, timeoutMs = 30_000): Promise<string[]> {
  return settled(() => managedObjects(stack, cluster, user), (now) => now.length === 0, timeoutMs, 300);
}

/** Which bed cluster a pod IP belongs to: each cluster's node has a loopback /16 of its own. */
export function clusterOfIp(stack: HubStack, ip: string): string {
  const match = stack.bed.clusters.find((c) => ip.startsWith(podNetwork(stack.bed, c.name)));
  return match?.name ?? `no bed cluster has pod IP ${ip}`;
}

/** The proxy's target for a user's default server (GET /hub/api/proxy): where the hub sends its traffic. */
export async function routeTarget(stack: HubStack, user: string): Promise<string | undefined> {
  const r = await stack.api("GET", "/proxy");
  if (r.status !== 200) throw new Error(`GET /hub/api/proxy: ${r.status} ${JSON.stringify(r.json)}`);
  return (r.json as Record<string, { target?: string }>)[`/user/${user}/`]?.target;
}

/** The bed cluster's ingress URL, as the daemon's config (test/e2e/config.ts) gives it. */
export function ingressOf(stack: HubStack, cluster: string): string {
  const c = stack.bed.clusters.find((x) => x.name === cluster);
  if (!c) throw new Error(`no bed cluster ${cluster}`);
  return c.ingressUrl;
}

/** What both kernel tests run in the pod's kernel, and what it prints there. */
export const kernelProbe = {
  code: 'import os; print(os.environ["JUPYTERHUB_SERVICE_PREFIX"], 6*7)',
  output: (user: string) => `/user/${user}/ 42`,
};
