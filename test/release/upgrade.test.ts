/**
 * docs/deploy.md "Upgrading from the Python spawner", done on the test bed with the real thing:
 * a JupyterHub (the versions hub/requirements.txt pins) with upstream's
 * jupyterhub-multicluster-kubespawner 0.2 from PyPI starts servers on testbed-1 (it shells out to
 * kubectl); the hub is stopped the way the note says, upstream is uninstalled and the release's
 * wheel installed in the same venv, the note's adoption script labels the old objects, `mcks
 * serve` (the release binary) and the hub start again on the same database. The old servers must
 * still be running, reachable through the proxy and stoppable; a new start uses the new spawner.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import { ROOT } from "../../build/paths.ts";
import { fetchFresh, hubApi, loopbackHubConfig, stopLeftoverProxy } from "../e2e/hub-stack.ts";
import { freePort, httpOk, start, stop, tail, unixSocketAccepts, waitReady, type Running } from "../e2e/processes.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { docBlock, ensureRelease, tempDir, type Release } from "./fixture.ts";
import { freshHubVenv, pip } from "./venv.ts";

const UPSTREAM = "jupyterhub-multicluster-kubespawner==0.2";
/** The servers the old hub starts: a plain name, and one upstream escapes differently from mcks. */
const USERS = ["alice", "carol.x"] as const;
/** Upstream's object names (its key_template with escapism's escaping). */
const UPSTREAM_KEYS: Record<(typeof USERS)[number], string> = { alice: "jupyter-alice", "carol.x": "jupyter-carol-2ex" };
const KINDS = "serviceaccounts,pods,services,ingresses.networking.k8s.io";

let rel: Release;
let bed: Bed;
let dir = "";
let venv = "";
let url = "";
let token = "";
/** REST calls to the hub with the test's service token; JSON bodies read by path in assertions. */
let api: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;
let common = "";
let ingress = "";
let context = "";
let hub: Running | undefined;
let daemon: Running | undefined;
const socket = () => join(dir, "mcks.sock");

function kubectl(args: readonly string[]): string {
  const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "--context", context, ...args], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** name → {uid, labels} of the objects carrying upstream's (and our) key label. */
function objectsOf(key: string): Map<string, { uid: string; labels: Record<string, string>; annotations: Record<string, string>; managers: string[] }> {
  const list = JSON.parse(kubectl(["-n", "default", "get", KINDS, "-l", `mcks.hub.jupyter.org/key=${key}`, "-o", "json", "--show-managed-fields"])) as {
    items: { kind: string; metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: { manager: string }[] } }[];
  };
  return new Map(
    list.items.map((o) => [
      `${o.kind}/${o.metadata.name}`,
      { uid: o.metadata.uid, labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {}, managers: (o.metadata.managedFields ?? []).map((m) => m.manager) },
    ]),
  );
}

async function serverOf(user: string): Promise<{ ready: boolean; pending: string | null } | undefined> {
  const r = await api("GET", `/users/${encodeURIComponent(user)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json.servers ?? {})[""];
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s; hub log:\n${hub ? tail(hub.log, 60) : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** What the bed's mock server answers through the hub's proxy for the user's server. */
async function throughProxy(user: string): Promise<{ pod: string; namespace: string }> {
  const r = await fetchFresh(`${url}/user/${encodeURIComponent(user)}/whoami`, { signal: AbortSignal.timeout(30_000), redirect: "manual" });
  const text = await r.text();
  assert.equal(r.status, 200, `GET /user/${user}/whoami through the proxy: ${r.status} ${text}`);
  return JSON.parse(text) as { pod: string; namespace: string };
}

async function startHub(spawnerConfig: string): Promise<void> {
  writeFileSync(join(dir, "jupyterhub_config.py"), `${common}\n${spawnerConfig}\n`);
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(ROOT, "node_modules/.bin")}:${join(venv, "bin")}:/usr/bin:/bin`,
    HOME: dir,
    KUBECONFIG: bed.kubeconfig,
  };
  hub = start("jupyterhub", join(venv, "bin/jupyterhub"), ["-f", join(dir, "jupyterhub_config.py")], { cwd: dir, env, log: join(dir, "hub.log") });
  await waitReady(hub, () => httpOk(`${url}/hub/api/`), 120_000);
}

before(async () => {
  rel = ensureRelease();
  bed = await ensureBed({ clusters: 1 });
  const cluster = bed.clusters[0]!;
  context = cluster.context;
  ingress = JSON.parse(readFileSync(join(ROOT, ".testbed/clusters.json"), "utf8")).clusters[0].ingressUrl as string;
  for (const u of USERS) kubectl(["-n", "default", "delete", KINDS, "-l", `mcks.hub.jupyter.org/key=${UPSTREAM_KEYS[u]}`, "--ignore-not-found", "--wait"]);
  // The daemon below recovers every mcks server in this namespace: the servers earlier stages
  // stopped must be gone (their Pods go through the garbage collector, which may lag behind a
  // burst of stops); one still there after two minutes is a leak, named here.
  const managedPods = () => kubectl(["-n", "default", "get", "pods", "-l", "app.kubernetes.io/managed-by=multicluster-kubespawner", "-o", "name"]).trim();
  for (const giveUp = Date.now() + 120_000; managedPods() !== "" && Date.now() < giveUp; ) await new Promise((r) => setTimeout(r, 2000));
  assert.equal(managedPods(), "", "mcks servers left in testbed-1's namespace default by an earlier stage");
  dir = tempDir("mcks-upgrade-");
  mkdirSync(join(dir, "hub"), { recursive: true });
  venv = freshHubVenv(join(dir, "venv"), [UPSTREAM]);
  const [proxyPort, apiPort, hubPort] = [await freePort(), await freePort(), await freePort()];
  url = `http://127.0.0.1:${proxyPort}`;
  token = randomBytes(24).toString("hex");
  api = hubApi(url, token) as typeof api;
  common = `${loopbackHubConfig({ url, hubPort, apiPort, dir, service: "upgrade", token, scopes: ["admin:users", "admin:servers", "access:servers"] })}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
c.JupyterHub.log_level = "DEBUG"
`;
});

after(async () => {
  if (hub) await stop(hub, "SIGTERM");
  if (dir) stopLeftoverProxy(dir);
  if (daemon) await stop(daemon, "SIGTERM");
  if (bed) for (const u of USERS) kubectl(["-n", "default", "delete", KINDS, "-l", `mcks.hub.jupyter.org/key=${UPSTREAM_KEYS[u]}`, "--ignore-not-found", "--wait=false"]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docs/deploy.md: upgrading a running hub from jupyterhub-multicluster-kubespawner 0.2", () => {
  const before = new Map<string, string>();

  test("upstream 0.2 starts servers on the bed", async () => {
    // Its README's configuration: a profile per cluster, naming the kubeconfig context and the
    // cluster's ingress; JupyterHub's default cleanup_servers (True), as most of its hubs have.
    await startHub(`
c.JupyterHub.spawner_class = "multicluster_kubespawner.MultiClusterKubeSpawner"
c.MultiClusterKubeSpawner.profile_list = [
    {"display_name": "testbed-1", "slug": "testbed-1", "default": True,
     "spawner_override": {"kubernetes_context": "${context}", "ingress_public_url": "${ingress}"}},
]
`);
    for (const u of USERS) {
      assert.equal((await api("POST", `/users/${encodeURIComponent(u)}`)).status, 201);
      const r = await api("POST", `/users/${encodeURIComponent(u)}/server`, { profile: "testbed-1" });
      assert.ok(r.status === 201 || r.status === 202, JSON.stringify(r.json));
    }
    for (const u of USERS) {
      await until(`${u}'s upstream server ready`, async () => ((await serverOf(u))?.ready ? true : undefined));
      const objects = objectsOf(UPSTREAM_KEYS[u]);
      assert.deepEqual([...objects.keys()].sort(), [`Ingress/${UPSTREAM_KEYS[u]}`, `Pod/${UPSTREAM_KEYS[u]}`, `Service/${UPSTREAM_KEYS[u]}`, `ServiceAccount/${UPSTREAM_KEYS[u]}`]);
      // Only upstream's one label: nothing mcks would recognise yet.
      assert.equal(objects.get(`Pod/${UPSTREAM_KEYS[u]}`)!.labels["app.kubernetes.io/managed-by"], undefined);
      before.set(u, objects.get(`Pod/${UPSTREAM_KEYS[u]}`)!.uid);
      assert.equal((await throughProxy(u)).pod, UPSTREAM_KEYS[u]);
    }
  });

  test("the old hub stops without stopping its servers (SIGKILL: cleanup_servers is True)", async () => {
    await stop(hub!, "SIGKILL");
    hub = undefined;
    for (const u of USERS) assert.equal(objectsOf(UPSTREAM_KEYS[u]).get(`Pod/${UPSTREAM_KEYS[u]}`)?.uid, before.get(u));
  });

  test("pip swaps the packages in the hub's venv; JupyterHub finds the new spawner", () => {
    pip(venv, ["uninstall", "--yes", "jupyterhub-multicluster-kubespawner"]);
    pip(venv, ["install", "--quiet", rel.files.wheel]);
    const r = spawnSync(join(venv, "bin/python"), ["-c", "from jupyterhub.app import JupyterHub as J; a = J(); a.spawner_class = 'multicluster'; print(a.spawner_class.__module__)"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "multicluster_kubespawner.spawner");
  });

  const adopt = (...args: string[]) => {
    const script = docBlock("# adopt.sh CONTEXT [HUB-ID]: hand the Python spawner's servers in one kubeconfig context to mcks");
    // An operator's shell: kubectl keeps its discovery cache under HOME.
    return spawnSync("bash", ["-s", context, ...args], { input: script, cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: dir, KUBECONFIG: bed.kubeconfig }, encoding: "utf8", timeout: 120_000 });
  };

  test("with config.ts's hubId set, the adoption script adopts nothing and names every server", () => {
    // mcks would look for Pods named hubeu--alice: upstream's jupyter-alice cannot be renamed.
    const unchanged = new Map(USERS.map((u) => [u, objectsOf(UPSTREAM_KEYS[u])]));
    const r = adopt("hubeu");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(
      r.stderr.trim().split("\n").sort(),
      USERS.map((u) => `not adopted: ${UPSTREAM_KEYS[u]} (with hubId "hubeu" mcks gives every server another key; delete its objects)`).sort(),
    );
    for (const u of USERS) assert.deepEqual(objectsOf(UPSTREAM_KEYS[u]), unchanged.get(u));
  });

  test("the note's adoption script adopts the server mcks can keep and names the one it cannot", () => {
    const r = adopt();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), `not adopted: ${UPSTREAM_KEYS["carol.x"]} (mcks gives this user's server another key; delete its objects)`);
    const adopted = objectsOf(UPSTREAM_KEYS.alice);
    assert.equal(adopted.size, 4);
    for (const [name, o] of adopted) {
      assert.equal(o.labels["app.kubernetes.io/managed-by"], "multicluster-kubespawner", name);
      // The names mcks's own objects carry (src/objects/labels.ts), for the default server.
      assert.equal(o.labels["hub.jupyter.org/username"], "alice", name);
      assert.equal(o.labels["hub.jupyter.org/servername"], "", name);
      assert.equal(o.annotations["hub.jupyter.org/username"], "alice", name);
      assert.equal(o.annotations["hub.jupyter.org/servername"], "", name);
      assert.equal(o.labels["mcks.hub.jupyter.org/hub"], undefined, name);
    }
    for (const [name, o] of objectsOf(UPSTREAM_KEYS["carol.x"])) assert.equal(o.labels["app.kubernetes.io/managed-by"], undefined, name);
    // Run twice, it changes nothing: it only touches objects mcks does not manage yet.
    const again = adopt();
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(objectsOf(UPSTREAM_KEYS.alice), adopted);
    // The note's command for a server that was not adopted.
    kubectl(["-n", "default", "delete", "serviceaccounts,pods,services,ingresses", "-l", `mcks.hub.jupyter.org/key=${UPSTREAM_KEYS["carol.x"]}`, "--wait"]);
    assert.equal(objectsOf(UPSTREAM_KEYS["carol.x"]).size, 0);
  });

  test("mcks serve and the new hub keep the adopted server running", async () => {
    const config = join(dir, "config.ts");
    writeFileSync(
      config,
      `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { "testbed-1": { context: "${context}", ingressPublicUrl: "${ingress}", namespace: "default" } },
  profiles: [{ slug: "testbed-1", displayName: "testbed-1", cluster: "testbed-1", default: true, image: "testbed/singleuser:latest" }],
});
`,
    );
    daemon = start("mcks serve", rel.files.x64, ["serve", "-c", config, "--socket", socket()], { cwd: dir, env: { KUBECONFIG: bed.kubeconfig, HOME: dir }, log: join(dir, "serve.log") });
    await waitReady(daemon, () => unixSocketAccepts(socket()), 90_000);
    assert.match(readFileSync(join(dir, "serve.log"), "utf8"), /recovered 1 running servers?, removed 0 objects/);
    // The daemon knows whose server it took over (the names the script added).
    const status = spawnSync(rel.files.x64, ["status", "--socket", socket(), "-o", "json"], { env: {}, encoding: "utf8", timeout: 30_000 });
    assert.equal(status.status, 0, status.stderr);
    const listed = (JSON.parse(status.stdout) as { servers: { key: string; user: string; server: string; phase: string }[] }).servers;
    assert.deepEqual(listed.map(({ key, user, server, phase }) => ({ key, user, server, phase })), [{ key: UPSTREAM_KEYS.alice, user: "alice", server: "", phase: "running" }]);
    await startHub(`
c.JupyterHub.spawner_class = "multicluster"
c.MultiClusterKubeSpawner.socket_path = "${socket()}"
c.MultiClusterKubeSpawner.hub_connect_url = "http://127.0.0.1:${new URL(url).port}"
`);
    const checked = (u: string) =>
      until(`${u}'s server checked by the new hub`, async () => {
        const v = await serverOf(u);
        return v?.pending ? undefined : (v ?? null);
      });
    const alice = await checked("alice");
    assert.ok(alice?.ready, `alice's server was dropped by the new hub:\n${tail(hub!.log, 60)}`);
    assert.equal((await throughProxy("alice")).pod, UPSTREAM_KEYS.alice);
    assert.equal(objectsOf(UPSTREAM_KEYS.alice).get(`Pod/${UPSTREAM_KEYS.alice}`)?.uid, before.get("alice"), "the pod was replaced");
    assert.match(readFileSync(hub!.log, "utf8"), /alice still running/);
    // carol.x's server was not adopted (and its objects are gone): reported stopped, forgotten.
    assert.equal(await checked("carol.x"), null);
  });

  test("the adopted server stops through mcks, leaving nothing", async () => {
    const r = await api("DELETE", "/users/alice/server");
    assert.ok(r.status === 202 || r.status === 204, JSON.stringify(r.json));
    await until("alice's server stopped", async () => ((await serverOf("alice")) ? undefined : true));
    assert.deepEqual([...objectsOf(UPSTREAM_KEYS.alice).keys()], []);
  });

  test("new starts use mcks, for a name upstream escaped too", async () => {
    for (const u of USERS) {
      const r = await api("POST", `/users/${encodeURIComponent(u)}/server`, { profile: "testbed-1" });
      assert.ok(r.status === 201 || r.status === 202, JSON.stringify(r.json));
    }
    for (const u of USERS) {
      await until(`${u}'s new server ready`, async () => ((await serverOf(u))?.ready ? true : undefined));
      const served = await throughProxy(u);
      const pod = objectsOf(served.pod).get(`Pod/${served.pod}`);
      assert.ok(pod && pod.managers.includes("multicluster-kubespawner"), `not applied by mcks: ${JSON.stringify(pod)}`);
      assert.equal(pod.annotations["hub.jupyter.org/username"], u);
    }
    const r = await api("DELETE", `/users/${encodeURIComponent("carol.x")}`);
    assert.equal(r.status, 204, JSON.stringify(r.json));
  });
});
