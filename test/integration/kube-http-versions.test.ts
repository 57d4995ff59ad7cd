/**
 * kube/http.ts on the real bed: HTTP/2 to the API server, one TLS connection per cluster for
 * its watches and any burst of requests; and HTTP/1.1 when the server does not offer HTTP/2
 * (here an HTTP/1.1-only TLS proxy in front of the API server, as some auth proxies are).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kube } from "../../src/kube/index.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { pkiDir } from "../testbed/layout.ts";
import { uniqueKey } from "./kube-fixtures.ts";

let bed: Bed;
let c1: BedCluster;
let dir: string;
let proxy: https.Server;
let upstreamAgent: https.Agent;
let proxyProtocols: string[] = [];
const opened: Kube[] = [];

/** Established TCP connections of this process to `port` (from /proc: no tool needed). */
function connectionsTo(port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let n = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const remotePort = parseInt(f[2]!.split(":")[1]!, 16);
      if (remotePort === port && f[3] === "01" && inodes.has(f[9]!)) n++;
    }
  }
  return n;
}

async function kubeFor(server: string): Promise<Kube> {
  const { createKube } = await import("../../src/kube/index.ts");
  const source = readFileSync(bed.kubeconfig, "utf8");
  // The bed's kubeconfig, with testbed-1's server replaced (the proxy), same credentials and CA.
  const file = join(dir, `kubeconfig-${opened.length}`);
  writeFileSync(file, source.replaceAll(c1.apiserverUrl, server), { mode: 0o600 });
  const kube = await createKube({ clusters: [{ name: c1.name, context: c1.restrictedContext, namespace: "default" }], env: { KUBECONFIG: file }, probeIntervalMs: 0 });
  opened.push(kube);
  return kube;
}

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c1 = bed.clusters.find((c) => c.name === "testbed-1")!;
  dir = mkdtempSync(join(tmpdir(), "mcks-http-versions-"));
  // HTTP/1.1 only (no h2 in ALPN), passing everything through to the real API server.
  const upstream = new URL(c1.apiserverUrl);
  const agent = (upstreamAgent = new https.Agent({ keepAlive: true, ca: readFileSync(join(pkiDir, "ca.crt")) }));
  proxy = https.createServer({ cert: readFileSync(join(pkiDir, "apiserver.crt")), key: readFileSync(join(pkiDir, "apiserver.key")) }, (req, res) => {
    proxyProtocols.push(`HTTP/${req.httpVersion}`);
    const out = https.request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    // A client that goes away ends its request upstream too: a watch left open there would keep
    // this process alive until the API server ends it, minutes later.
    res.on("close", () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  await Promise.all(opened.map((k) => k.close()));
  proxy?.closeAllConnections();
  proxy?.close();
  upstreamAgent?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("HTTP versions to the API server", () => {
  test("HTTP/2: the watches and a burst of 300 requests share one connection", async () => {
    const port = Number(new URL(c1.apiserverUrl).port);
    // The bed's health checks in this process leave a keep-alive connection for a few seconds.
    for (let i = 0; i < 100 && connectionsTo(port) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(connectionsTo(port), 0);
    const kube = await kubeFor(c1.apiserverUrl);
    const c = kube.cluster(c1.name);
    await c.watch.whenSynced();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => c.client.http.json({ method: "GET", path: `/api/v1/namespaces/default/pods/${uniqueKey(`n${i}`)}` }).then(() => 200, (e: { status?: { code: number } }) => e.status?.code)),
    );
    assert.deepEqual([...new Set(answers)], [404], "every request got the API server's answer");
    assert.equal(connectionsTo(port), 1);
  });

  test("a TLS server without HTTP/2 gets HTTP/1.1: requests and watches work through it", async () => {
    proxyProtocols = [];
    const kube = await kubeFor(`https://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const c = kube.cluster(c1.name);
    await c.watch.whenSynced();
    const version = await c.client.http.json<{ gitVersion?: string }>({ method: "GET", path: "/version" });
    assert.match(version.gitVersion ?? "", /^v1\./);
    assert.ok(proxyProtocols.length >= 3, "the watches' listings and the request went through the proxy");
    assert.deepEqual([...new Set(proxyProtocols)], ["HTTP/1.1"]);
    assert.equal(c.watch.connection().reachable, true);
  });
});
