/**
 * The fake ingress controller on the real bed (testbed-2): routes by host and path like a real
 * one (longest prefix, Exact, wildcard hosts), keeps Host and path, lags by the pickup delay,
 * answers 404 without a route and 503 without a ready pod, and passes WebSockets through.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { agentTarget, condition, getJson, httpGet, kc, serverManifest, UNPLACEABLE, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
let ingressUrl: string;
const id = process.pid;
const a = `agent-ing-a-${id}`;
const b = `agent-ing-b-${id}`;
const prefixA = `/user/${a}/`;
const prefixB = `${prefixA}nested/`;

before(async () => {
  const target = await agentTarget();
  t = target;
  ingressUrl = target.ingressUrl;
});

after(() => {
  if (!t) return;
  kc(t, ["delete", "pod,service,ingress", "-l", `agent-test-run=${id}`, "--ignore-not-found", "--wait=false"]);
  kc(t, ["delete", "pod,service,ingress", a, b, `${a}-host`, `${a}-503`, "--ignore-not-found", "--wait=false"]);
});

async function ready(name: string): Promise<V1Pod> {
  return waitFor(`pod ${name} Ready`, () => {
    const p = getJson<V1Pod>(t, `pod/${name}`);
    return p && condition(p, "Ready")?.status === "True" ? p : undefined;
  });
}

async function answers(url: string, host?: string) {
  return waitFor(`${url} to answer 200`, async () => {
    const r = await httpGet(url, host ? { host } : {});
    return r.status === 200 ? r : undefined;
  });
}

/** Waits until the mock server of `pod` answers `url` (other routes may serve it while a new one lags). */
async function answersFrom(pod: string, url: string, host?: string) {
  return waitFor(`${url} to be served by ${pod}`, async () => {
    const r = await httpGet(url, host ? { host } : {});
    return r.status === 200 && JSON.parse(r.body).pod === pod ? r : undefined;
  });
}

describe("fake ingress controller", () => {
  test("healthz reports the agent", async () => {
    const r = await httpGet(`${ingressUrl}/_agent/healthz`);
    assert.equal(r.status, 200);
    const info = JSON.parse(r.body) as { cluster: number; nodes: { name: string; state: string }[] };
    assert.equal(info.cluster, 2);
    assert.ok(info.nodes.some((n) => n.name.startsWith("testbed-2-standard-") && n.state === "up"), JSON.stringify(info.nodes));
  });

  test("a new route is served only after the pickup delay, then with X-JupyterHub-Version", async () => {
    kc(t, ["apply", "-f", "-"], serverManifest(a, "testbed/singleuser:latest", prefixA).split("---\napiVersion: networking.k8s.io/v1")[0]!);
    await ready(a);
    const [ingressYaml] = serverManifest(a, "x", prefixA).split("---\n").slice(-1);
    const created = Date.now();
    kc(t, ["apply", "-f", "-"], ingressYaml);
    const early = await httpGet(`${ingressUrl}${prefixA}api`);
    // Within the delay (300 ms from when the agent saw it) there is no route yet; a loaded machine
    // may answer later than that, and then the lower bound below is what shows the delay.
    if (Date.now() - created < 250) assert.equal(early.status, 404, `served ${Date.now() - created} ms after the Ingress was created: the pickup delay is missing`);
    const r = await answers(`${ingressUrl}${prefixA}api`);
    assert.ok(Date.now() - created >= 250, `route served after only ${Date.now() - created} ms`);
    assert.ok(r.headers["x-jupyterhub-version"], "X-JupyterHub-Version passed through");
    assert.equal(typeof JSON.parse(r.body).version, "string");
  });

  test("keeps Host and path, streams request bodies", async () => {
    const r = await httpGet(`${ingressUrl}${prefixA}files/a%20b.txt?x=1`, { host: "hub.example.org", method: "POST", body: "x".repeat(100_000) });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body);
    assert.equal(seen.host, "hub.example.org");
    assert.equal(seen.path, `${prefixA}files/a%20b.txt?x=1`);
    assert.equal(seen.method, "POST");
    assert.equal(seen.bodyBytes, 100_000);
    assert.equal(seen.pod, a);
  });

  test("404 without a route, longest prefix wins, Prefix matches whole path elements", async () => {
    assert.equal((await httpGet(`${ingressUrl}/no/such/route/${id}`)).status, 404);
    kc(t, ["apply", "-f", "-"], serverManifest(b, "testbed/singleuser:latest", prefixB));
    await ready(b);
    // Until b's route is picked up, a's shorter prefix serves these paths.
    await answersFrom(b, `${ingressUrl}${prefixB}tree`);
    const api = await httpGet(`${ingressUrl}${prefixB}api`);
    assert.equal(typeof JSON.parse(api.body).version, "string", "b's own /api answers under b's prefix");
    const outer = await httpGet(`${ingressUrl}${prefixA}nestedX/tree`);
    assert.equal(JSON.parse(outer.body).pod, a, "/nestedX is not under the Prefix /nested");
  });

  test("host rules: exact and wildcard hosts are separate from the catch-all", async () => {
    kc(
      t,
      ["apply", "-f", "-"],
      `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${a}-host, labels: { agent-test-run: "${id}" } }
spec:
  rules:
    - host: "*.hosts-${id}.test"
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: ${b}, port: { number: 80 } } } }
    - host: "exact.hosts-${id}.test"
      http:
        paths:
          - { path: /only/, pathType: Exact, backend: { service: { name: ${a}, port: { number: 80 } } } }
`,
    );
    // On the wildcard host every path goes to b, even a's prefix: the catch-all rules no longer apply.
    // b's server does not serve a's prefix, so once the wildcard rule is picked up it answers 404 itself.
    await waitFor("a's prefix on the wildcard host to reach b's server", async () => {
      const r = await httpGet(`${ingressUrl}${prefixA}x`, { host: `one.hosts-${id}.test` });
      return r.status === 404 && r.headers["x-jupyterhub-version"] ? r : undefined;
    });
    await answersFrom(b, `${ingressUrl}${prefixB}x`, `one.hosts-${id}.test`);
    // The exact host has only an Exact /only/ path: nothing else is routed for it.
    const miss = await httpGet(`${ingressUrl}${prefixA}x`, { host: `exact.hosts-${id}.test:80` });
    assert.equal(miss.status, 404);
    assert.equal(miss.headers["x-testbed-ingress"], "1", "the ingress itself answered 404");
    const other = await httpGet(`${ingressUrl}${prefixA}x`, { host: `two.levels.hosts-${id}.test` });
    assert.equal(JSON.parse(other.body).pod, a, "a wildcard covers one label only; this falls to the catch-all");
  });

  test("503 when the Service has no ready pod", async () => {
    const name = `${a}-503`;
    const yaml = serverManifest(name, "testbed/singleuser:latest", `/user/${name}/`, "", UNPLACEABLE);
    kc(t, ["apply", "-f", "-"], yaml);
    const r = await waitFor("503 from the ingress", async () => {
      const res = await httpGet(`${ingressUrl}/user/${name}/api`);
      return res.status === 503 ? res : undefined;
    });
    assert.match(r.body, /no ready endpoints/);
  });

  test("WebSocket upgrade is passed through and echoes", async () => {
    const ws = new WebSocket(`${ingressUrl.replace("http", "ws")}${prefixA}api/kernels/k1/channels`);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => {
        ws.send("hello kernel");
        ws.send("x".repeat(70_000));
      };
      ws.onmessage = (e) => {
        got.push(String(e.data));
        if (got.length === 2) ws.close(1000);
      };
      ws.onclose = () => resolve();
      ws.onerror = () => reject(new Error("websocket through the ingress failed"));
    });
    assert.equal(got[0], "hello kernel");
    assert.equal(got[1]?.length, 70_000);
  });

  test("deleting the pod makes the route answer 503 after the pickup delay", async () => {
    kc(t, ["delete", "pod", a, "--wait=false"]);
    const r = await waitFor("503 after the pod is gone", async () => {
      const res = await httpGet(`${ingressUrl}${prefixA}api`);
      return res.status === 503 ? res : undefined;
    });
    assert.equal(r.status, 503);
  });
});
