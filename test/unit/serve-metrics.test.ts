/**
 * The daemon's metrics as units: what each observation adds, the gauges read at scrape time,
 * failure reasons, the RPC wrapper, naming conventions, and the HTTP listener. The scrape of a
 * real daemon during real starts, parsed by Python's prometheus_client, is
 * test/integration/serve-metrics.test.ts.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { UserError } from "../../src/errors.ts";
import type { MethodTable, RequestContext } from "../../src/rpc/dispatch.ts";
import { ErrorCode, RpcError } from "../../src/rpc/errors.ts";
import { listenMetrics, parseListenAddress } from "../../src/serve/metrics-http.ts";
import { createMetrics, type DaemonView } from "../../src/serve/metrics.ts";

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

function view(over: Partial<DaemonView> = {}): DaemonView {
  return {
    servers: () => [
      { cluster: "eu", phase: "running" },
      { cluster: "eu", phase: "running" },
      { cluster: "us", phase: "starting" },
    ],
    clusters: () => ({ eu: { reachable: true, lastSeen: "2026-01-02T03:04:05.000Z" }, us: { reachable: false } }),
    ...over,
  };
}

async function samples(m: ReturnType<typeof createMetrics>, name: string): Promise<Sample[]> {
  const all = await m.registry.getMetricsAsJSON();
  const metric = all.find((x) => x.name === name);
  assert.ok(metric, `${name} is registered`);
  return (metric as unknown as { values: Sample[] }).values;
}

const pick = (list: Sample[], labels: Record<string, string>, metricName?: string): number | undefined =>
  list.find((s) => (metricName === undefined || s.metricName === metricName) && Object.entries(labels).every(([k, v]) => String(s.labels[k]) === v))?.value;

const ctx = {} as RequestContext;

describe("metrics", () => {
  it("spawns: duration by cluster, profile and outcome; failures by cluster and reason", async () => {
    const m = createMetrics(view(), "1.2.3");
    m.spawned({ cluster: "eu", profile: "small", outcome: "success", seconds: 7 });
    m.spawned({ cluster: "eu", profile: "small", outcome: "success", seconds: 70 });
    m.spawned({ cluster: "us", profile: "gpu", outcome: "failure", seconds: 3, reason: "ErrImagePull" });
    m.spawned({ cluster: "us", profile: "gpu", outcome: "cancelled", seconds: 1 });
    const d = await samples(m, "mcks_spawn_duration_seconds");
    assert.equal(pick(d, { cluster: "eu", profile: "small", outcome: "success" }, "mcks_spawn_duration_seconds_count"), 2);
    assert.equal(pick(d, { cluster: "eu", profile: "small", outcome: "success" }, "mcks_spawn_duration_seconds_sum"), 77);
    assert.equal(pick(d, { cluster: "eu", profile: "small", outcome: "success", le: "10" }, "mcks_spawn_duration_seconds_bucket"), 1);
    assert.equal(pick(d, { cluster: "us", profile: "gpu", outcome: "failure" }, "mcks_spawn_duration_seconds_count"), 1);
    assert.equal(pick(d, { cluster: "us", profile: "gpu", outcome: "cancelled" }, "mcks_spawn_duration_seconds_count"), 1);
    const f = await samples(m, "mcks_spawn_failures_total");
    assert.deepEqual(f.map((s) => [s.labels, s.value]), [[{ cluster: "us", reason: "ErrImagePull" }, 1]], "a cancelled start is no failure");
  });

  it("gauges are read from the daemon at scrape time: servers by phase (zeros included), reachability, last seen", async () => {
    let servers = [{ cluster: "eu", phase: "running" }];
    const m = createMetrics(view({ servers: () => servers }), "1.2.3");
    let s = await samples(m, "mcks_servers");
    assert.equal(pick(s, { cluster: "eu", phase: "running" }), 1);
    assert.equal(pick(s, { cluster: "us", phase: "starting" }), 0);
    assert.equal(s.length, 6, "every cluster × phase");
    servers = [];
    s = await samples(m, "mcks_servers");
    assert.equal(pick(s, { cluster: "eu", phase: "running" }), 0, "a stopped server leaves the gauge at the next scrape");
    const r = await samples(m, "mcks_cluster_reachable");
    assert.equal(pick(r, { cluster: "eu" }), 1);
    assert.equal(pick(r, { cluster: "us" }), 0);
    const seen = await samples(m, "mcks_cluster_last_seen_timestamp_seconds");
    assert.deepEqual(seen.map((x) => [x.labels.cluster, x.value]), [["eu", Date.parse("2026-01-02T03:04:05.000Z") / 1000]], "absent for a cluster never seen");
    assert.equal(pick(await samples(m, "mcks_build_info"), { version: "1.2.3" }), 1);
  });

  it("Kubernetes requests and watch restarts from the kube observer", async () => {
    const m = createMetrics(view(), "1.2.3");
    m.kube.request("eu", "PATCH", "200", 0.02);
    m.kube.request("eu", "PATCH", "200", 0.03);
    m.kube.request("eu", "GET", "<error>", 5);
    m.kube.watchRestart("eu", "pods", "expired");
    m.kube.watchRestart("eu", "pods", "error");
    m.kube.watchRestart("eu", "pods", "error");
    const k = await samples(m, "mcks_kube_request_duration_seconds");
    assert.equal(pick(k, { cluster: "eu", verb: "PATCH", code: "200" }, "mcks_kube_request_duration_seconds_count"), 2);
    assert.equal(pick(k, { cluster: "eu", verb: "GET", code: "<error>" }, "mcks_kube_request_duration_seconds_count"), 1);
    const w = await samples(m, "mcks_watch_restarts_total");
    assert.equal(pick(w, { cluster: "eu", resource: "pods", reason: "error" }), 2);
    assert.equal(pick(w, { cluster: "eu", resource: "pods", reason: "expired" }), 1);
  });

  it("RPC calls by method and outcome; errors pass through unchanged", async () => {
    const m = createMetrics(view(), "1.2.3");
    const methods: MethodTable = new Map([
      ["server.poll", async () => ({ status: null })],
      ["server.start", async () => { throw new UserError("no such profile"); }],
      ["server.stop", () => { throw new RpcError(ErrorCode.InvalidParams, "params.user: required"); }],
      ["health", () => { throw new TypeError("a bug"); }],
    ]);
    const t = m.instrument(methods);
    assert.deepEqual(await t.get("server.poll")!({}, ctx), { status: null });
    await t.get("server.poll")!({}, ctx);
    await assert.rejects(async () => t.get("server.start")!({}, ctx), /no such profile/);
    await assert.rejects(async () => t.get("server.stop")!({}, ctx), RpcError);
    await assert.rejects(async () => t.get("health")!({}, ctx), TypeError);
    const r = await samples(m, "mcks_rpc_request_duration_seconds");
    const count = (method: string, outcome: string) => pick(r, { method, outcome }, "mcks_rpc_request_duration_seconds_count");
    assert.equal(count("server.poll", "ok"), 2);
    assert.equal(count("server.start", "failed"), 1);
    assert.equal(count("server.stop", "invalid_params"), 1);
    assert.equal(count("health", "internal"), 1);
  });

  it("names follow Prometheus conventions: mcks_ prefix (process_/nodejs_ standard), counters _total, durations _seconds", async () => {
    const m = createMetrics(view(), "1.2.3");
    const all = await m.registry.getMetricsAsJSON();
    for (const metric of all) {
      assert.match(metric.name, /^(mcks|process|nodejs)_[a-z0-9_]+$/, metric.name);
      if (String(metric.type) === "counter") assert.match(metric.name, /_total$/, metric.name);
      if (String(metric.type) === "histogram") assert.match(metric.name, /_seconds$/, metric.name);
      for (const s of (metric as unknown as { values: Sample[] }).values) {
        for (const label of Object.keys(s.labels)) assert.match(label, /^[a-z_][a-z0-9_]*$/, `${metric.name} label ${label}`);
      }
    }
    assert.ok(all.some((x) => x.name === "process_cpu_seconds_total"), "process metrics");
    assert.ok(all.some((x) => x.name === "process_resident_memory_bytes"), "process memory");
  });
});

describe("--metrics-listen", () => {
  it("parses HOST:PORT, [IPv6]:PORT; refuses the rest with an example", () => {
    assert.deepEqual(parseListenAddress("127.0.0.1:9464"), { host: "127.0.0.1", port: 9464 });
    assert.deepEqual(parseListenAddress("[::1]:0"), { host: "::1", port: 0 });
    assert.deepEqual(parseListenAddress("metrics.local:9464"), { host: "metrics.local", port: 9464 });
    for (const bad of ["9464", ":9464", "127.0.0.1", "127.0.0.1:99999", "::1:9464", "host:port"]) {
      assert.throws(() => parseListenAddress(bad), (e: Error) => e instanceof UserError && /expected HOST:PORT, e\.g\. 127\.0\.0\.1:9464/.test(e.message), bad);
    }
  });

  it("serves GET /metrics in the text format, 404 elsewhere, 405 for other methods", async () => {
    const m = createMetrics(view(), "1.2.3");
    const l = await listenMetrics({ host: "127.0.0.1", port: 0 }, m.registry);
    try {
      const ok = await fetch(l.url);
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      assert.match(await ok.text(), /^mcks_build_info\{version="1\.2\.3"\} 1$/m);
      assert.equal((await fetch(new URL("/", l.url))).status, 404);
      assert.equal((await fetch(l.url, { method: "POST" })).status, 405);
    } finally {
      await l.close();
    }
  });

  it("a port in use is one clear error", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(listenMetrics({ host: "127.0.0.1", port }, createMetrics(view(), "x").registry), (e: Error) => e instanceof UserError && /cannot listen: the port is in use/.test(e.message));
    } finally {
      taken.close();
    }
  });
});
