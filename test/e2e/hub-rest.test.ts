/**
 * JupyterHub 6 + configurable-http-proxy + mcks serve + the bed, driven through the hub's REST
 * API: alice and bob land in different clusters and the hub's proxy reaches each one's pod; erin's
 * server is reached at its pod's IP (pod-ip routing, the hub's own readiness check); a real
 * jupyterhub-singleuser authenticates against the hub's API and runs code in an ipykernel for a
 * Python client (kernel_client.py: jupyter_server's REST API + the kernel's websocket, through
 * the proxy and the bed's ingress); killing the daemon and restarting it and the hub keeps
 * everything running and reachable; stopping leaves no managed object.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { clusterOfIp, fetchFresh, type HubStack, ingressOf, kernelProbe, managedObjects, objectsAfterStop, repo, routeTarget, serverOf, startHubStack, waitServer, waitStopped } from "./hub-stack.ts";

const run = randomBytes(2).toString("hex");
const alice = `alice-${run}`;
const bob = `bob-${run}`;
const carol = `carol-${run}`;
const dave = `dave-${run}`;
const erin = `erin-${run}`;

interface MockAnswer {
  readonly pod: string;
  readonly ip: string;
  readonly path: string;
}

async function viaProxy(stack: HubStack, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetchFresh(`${stack.url}${path}`, { headers, redirect: "manual", signal: AbortSignal.timeout(30_000) });
}


async function whoAnswers(stack: HubStack, user: string): Promise<MockAnswer> {
  const r = await viaProxy(stack, `/user/${user}/whoami`);
  const text = await r.text();
  assert.equal(r.status, 200, `GET /user/${user}/whoami through the proxy: ${r.status} ${text}`);
  return JSON.parse(text) as MockAnswer;
}

async function spawn(stack: HubStack, user: string, options: Record<string, string>): Promise<void> {
  const r = await stack.api("POST", `/users/${user}/server`, options);
  assert.ok(r.status === 201 || r.status === 202, `POST /users/${user}/server: ${r.status} ${JSON.stringify(r.json)}`);
  assert.equal(await waitServer(stack, user), true, `${user}'s server did not become ready; see ${stack.dir}/hub.log`);
}

describe("JupyterHub + configurable-http-proxy + mcks serve on the test bed", { timeout: 600_000 }, () => {
  let stack: HubStack;

  before(async () => {
    stack = await startHubStack("hub-rest");
    const r = await stack.api("POST", "/users", { usernames: [alice, bob, carol, dave, erin] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });

  after(async () => {
    if (!stack) return;
    for (const u of [alice, bob, carol, dave, erin]) await stack.api("DELETE", `/users/${u}/server`).catch(() => undefined);
    await stack.close();
  });

  it("alice and bob spawn through the REST API into different clusters", async () => {
    await Promise.all([spawn(stack, alice, { profile: "mock-1", memory: "large" }), spawn(stack, bob, { profile: "mock-2" })]);
    assert.ok(managedObjects(stack, "testbed-1", alice).length >= 3);
    assert.deepEqual(managedObjects(stack, "testbed-2", alice), []);
    assert.ok(managedObjects(stack, "testbed-2", bob).length >= 3);
    assert.deepEqual(managedObjects(stack, "testbed-1", bob), []);
  });

  it("the hub's proxy reaches each user's pod in that user's cluster", async () => {
    const api = await viaProxy(stack, `/user/${alice}/api`);
    assert.equal(api.status, 200);
    assert.ok(api.headers.get("x-jupyterhub-version"), "the single-user server answers with X-JupyterHub-Version");
    assert.ok(((await api.json()) as { version?: string }).version);

    const a = await whoAnswers(stack, alice);
    assert.equal(a.pod, `jupyter-${alice}`);
    assert.equal(clusterOfIp(stack, a.ip), "testbed-1");
    assert.equal(a.path, `/user/${alice}/whoami`);
    const b = await whoAnswers(stack, bob);
    assert.equal(b.pod, `jupyter-${bob}`);
    assert.equal(clusterOfIp(stack, b.ip), "testbed-2");
  });

  it("pod-ip routing: the hub's proxy goes straight to the pod's IP; a Secret and a Pod are all there is, and a stop leaves nothing", async () => {
    await spawn(stack, erin, { profile: "direct-1" });
    const target = await routeTarget(stack, erin);
    assert.match(target ?? "", /^http:\/\/127\.\d+\.\d+\.\d+:8888$/, `the proxy's target for ${erin}: ${target}`);
    const e = await whoAnswers(stack, erin);
    assert.equal(e.pod, `jupyter-${erin}`);
    assert.equal(`http://${e.ip}:8888`, target, "the pod at the proxy's target answered");
    assert.equal(clusterOfIp(stack, e.ip), "testbed-1");
    assert.equal(e.path, `/user/${erin}/whoami`);
    assert.deepEqual(managedObjects(stack, "testbed-1", erin).sort(), [`pod/jupyter-${erin}`, `secret/jupyter-${erin}`]);
    const d = await stack.api("DELETE", `/users/${erin}/server`);
    assert.ok(d.status === 202 || d.status === 204, `DELETE /users/${erin}/server: ${d.status} ${JSON.stringify(d.json)}`);
    await waitStopped(stack, erin);
    assert.deepEqual(await objectsAfterStop(stack, "testbed-1", erin), []);
  });

  it("the hub stores only the daemon's state, no token", async () => {
    const s = await serverOf(stack, alice);
    const state = (s as { state?: { mcks?: Record<string, string> } }).state;
    assert.deepEqual(state?.mcks, { cluster: "testbed-1", namespace: "default", key: `jupyter-${alice}`, profile: "mock-1" });
  });

  it("the real jupyterhub-singleuser checks tokens with the hub's API through hub_connect_url", async () => {
    await spawn(stack, carol, { profile: "real" });
    assert.ok(managedObjects(stack, "testbed-3", carol).length >= 3);
    // /api/status needs authentication: the server asks the hub whether this token may access it.
    const denied = await viaProxy(stack, `/user/${carol}/api/status`);
    assert.ok(denied.status === 403 || denied.status === 401 || denied.status === 302, `without a token: ${denied.status}`);
    const ok = await viaProxy(stack, `/user/${carol}/api/status`, { Authorization: `token ${stack.token}` });
    const body = await ok.text();
    assert.equal(ok.status, 200, body);
    assert.ok("started" in (JSON.parse(body) as object), body);
  });

  it("a Python client runs code in a new kernel through the REST API and the kernel's websocket", async () => {
    // carol's real server from the test above, reached at the proxy's public URL.
    assert.equal(await routeTarget(stack, carol), ingressOf(stack, "testbed-3"), "the proxy sends carol's traffic to testbed-3's ingress");
    const server = `${stack.url}/user/${carol}/`;
    const r = await promisify(execFile)(join(repo, "hub/.venv/bin/python"), [join(repo, "test/e2e/kernel_client.py"), server, kernelProbe.code], {
      env: { PATH: process.env.PATH, JUPYTERHUB_API_TOKEN: stack.token },
      timeout: 180_000,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => assert.fail(`kernel_client.py: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`));
    const ran = JSON.parse(r.stdout) as { kernel: string; name: string; status: string; stdout: string; stderr: string };
    assert.deepEqual({ name: ran.name, status: ran.status, stdout: ran.stdout, stderr: ran.stderr }, { name: "python3", status: "ok", stdout: `${kernelProbe.output(carol)}\n`, stderr: "" });
    // The client shut its kernel down: the server no longer lists it.
    const kernels = await viaProxy(stack, `/user/${carol}/api/kernels`, { Authorization: `token ${stack.token}` });
    assert.equal(kernels.status, 200);
    assert.ok(!((await kernels.json()) as { id: string }[]).some((k) => k.id === ran.kernel), `kernel ${ran.kernel} still running`);
  });

  it("kill mcks serve, restart it, restart the hub: servers still running and reachable", async () => {
    await stack.stopDaemon("SIGKILL");
    await stack.startDaemon();
    await stack.stopHub();
    await stack.startHub();
    // The new hub polled every server through the restarted daemon at startup, and puts their
    // routes back in the proxy around the time its API answers: give it a moment (bounded).
    for (const u of [alice, bob, carol]) {
      let s = await serverOf(stack, u);
      for (let i = 0; i < 60 && !(s?.ready && (await routeTarget(stack, u))); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        s = await serverOf(stack, u);
      }
      assert.equal(s?.ready, true, `${u}'s server after the restarts: ${JSON.stringify(s)}`);
    }
    assert.equal(clusterOfIp(stack, (await whoAnswers(stack, alice)).ip), "testbed-1");
    assert.equal(clusterOfIp(stack, (await whoAnswers(stack, bob)).ip), "testbed-2");
    const real = await viaProxy(stack, `/user/${carol}/api/status`, { Authorization: `token ${stack.token}` });
    assert.equal(real.status, 200);
    // A poll through the REST API agrees (the hub asks the spawner, which asks the daemon).
    const r = await stack.api("GET", `/users/${alice}`);
    assert.equal(r.status, 200);
  });

  it("a stop while the start is pending cancels it and removes what it had created", async () => {
    const r = await stack.api("POST", `/users/${dave}/server`, { profile: "mock-1" }); // 2 s in ContainerCreating
    assert.equal(r.status, 202, JSON.stringify(r.json));
    for (let i = 0; i < 100 && managedObjects(stack, "testbed-1", dave).length === 0; i++) await new Promise((ok) => setTimeout(ok, 100));
    assert.ok(managedObjects(stack, "testbed-1", dave).length > 0, "the start created objects");
    const d = await stack.api("DELETE", `/users/${dave}/server`);
    assert.ok(d.status === 202 || d.status === 204, `DELETE while pending: ${d.status} ${JSON.stringify(d.json)}`);
    await waitStopped(stack, dave);
    assert.deepEqual(await objectsAfterStop(stack, "testbed-1", dave), []);
  });

  it("stopping leaves no managed objects in any cluster", async () => {
    for (const u of [alice, bob, carol]) {
      const r = await stack.api("DELETE", `/users/${u}/server`);
      assert.ok(r.status === 202 || r.status === 204, `DELETE /users/${u}/server: ${r.status} ${JSON.stringify(r.json)}`);
    }
    for (const u of [alice, bob, carol]) await waitStopped(stack, u);
    for (const cluster of ["testbed-1", "testbed-2", "testbed-3"]) {
      for (const u of [alice, bob, carol]) assert.deepEqual(await objectsAfterStop(stack, cluster, u), [], `${u} in ${cluster}`);
    }
    const gone = await viaProxy(stack, `/user/${alice}/whoami`);
    assert.notEqual(gone.status, 200, "the proxy no longer routes to alice's pod");
    await gone.body?.cancel();
  });
});
