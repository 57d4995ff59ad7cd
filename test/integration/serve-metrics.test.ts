/**
 * `mcks serve --metrics-listen` — the built binary, so prom-client is proven to work inside the
 * SEA — scraped before, during and after real starts on the bed, each scrape parsed by Python's
 * prometheus_client (the reference parser, hub/.venv): the values agree with what was done.
 * Counters and histograms are compared as differences between scrapes, so servers other tests
 * left on the bed do not matter. The admin view (`servers.list`, `mcks status`) is checked on
 * the same servers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BINARY, ROOT, binaryIsStale } from "../../build/paths.ts";
import type { RpcClient } from "../../src/rpc/client.ts";
import type { ServersListResult, StartResult } from "../../src/rpc/protocol.ts";
import { ensureVenv } from "../e2e/hub-stack.ts";
import { delta, metricsUrlIn, scrape as scrapeAt, value } from "./metrics-scrape.ts";
import { cleanKeys, dryRun, ensureBed, startServe, tempDir, writeServeConfig, type Bed, type ServeProcess } from "./serve-fixture.ts";

const run = Date.now().toString(36).slice(-5);
const u = (s: string) => `m${run}-${s}`;

let bed: Bed;
let serve: ServeProcess;
let client: RpcClient;
let configPath: string;
let metricsUrl: string;

before(async () => {
  if (binaryIsStale()) {
    const r = spawnSync(process.execPath, [join(ROOT, "build", "build.ts")], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);
  }
  process.env.MCKS_BIN ??= BINARY;
  ensureVenv();
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["a", "b", "c", "d", "e"].map((s) => `jupyter-${u(s)}`));
  configPath = writeServeConfig(bed, tempDir("mcks-metrics-"));
  serve = await startServe(configPath, undefined, ["--metrics-listen", "127.0.0.1:0"]);
  metricsUrl = metricsUrlIn(serve.log());
  client = await serve.client();
});

after(async () => {
  await client?.close();
  await serve?.stop();
});

const scrape = () => scrapeAt(metricsUrl);

const objectCount = (profile: string, user: string) => (JSON.parse(dryRun(configPath, ["--user", user, "--profile", profile])) as { items: unknown[] }).items.length;

interface Outcome {
  readonly user: string;
  readonly ms: number;
  readonly result?: StartResult;
  readonly error?: string;
}

function start(user: string, profile: string): Promise<Outcome> {
  const t0 = Date.now();
  return client.call("server.start", { user: { name: user }, server: "", profile, options: {}, env: {} }).then(
    (result) => ({ user, ms: Date.now() - t0, result }),
    (e: Error) => ({ user, ms: Date.now() - t0, error: e.message }),
  );
}

async function eventually<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s; last: ${JSON.stringify(v)}`);
    await sleep(200);
  }
}

function status(...args: string[]): string {
  const r = spawnSync(process.env.MCKS_BIN!, ["status", "--socket", serve.socket, ...args], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("metrics and the admin view of a real daemon", { timeout: 300_000 }, () => {
  it("agree with the starts, failures, requests and stops that happened", async () => {
    const s0 = await scrape();
    for (const name of ["mcks_spawn_duration_seconds", "mcks_kube_request_duration_seconds", "mcks_rpc_request_duration_seconds"]) {
      assert.equal(s0.types.get(name), "histogram", name);
    }
    assert.equal(s0.types.get("mcks_servers"), "gauge");
    assert.equal(s0.types.get("mcks_spawn_failures"), "counter", "the parser names counter families without _total");
    const t0 = Date.now();

    // A slow start (4 s in ContainerCreating): seen as starting, in the gauge and in servers.list.
    const slow = start(u("e"), "slow");
    await eventually("the slow start is counted as starting", scrape, (s) => delta(s0, s, "mcks_servers", { cluster: "testbed-1", phase: "starting" }) === 1);
    const during = await eventually(
      "servers.list shows the slow start",
      () => client.call("servers.list", {}),
      (l: ServersListResult) => l.servers.some((x) => x.user === u("e") && x.phase === "starting"),
    );
    const e = during.servers.find((x) => x.user === u("e"))!;
    assert.equal(e.profile, "slow");
    assert.equal(e.cluster, "testbed-1");
    assert.ok(e.message.length > 0, "its last progress message");

    const [a, b, c, d, e2, f] = await Promise.all([start(u("a"), "beta"), start(u("b"), "beta"), start(u("c"), "gamma"), start(u("d"), "pullfail"), slow, start(u("f"), "no-such-profile")]);
    for (const o of [a, b, c, e2]) assert.equal(o!.error, undefined, `${o!.user} started`);
    assert.ok(d!.error && f!.error, "the broken image and the unknown profile fail");
    const pullReason = /cannot start: (\w+):/.exec(d!.error!)?.[1];
    assert.ok(pullReason === "ErrImagePull" || pullReason === "ImagePullBackOff", d!.error);

    const s1 = await scrape();
    const spawns = (labels: Record<string, string>) => delta(s0, s1, "mcks_spawn_duration_seconds_count", labels);
    assert.equal(spawns({ cluster: "testbed-2", profile: "beta", outcome: "success" }), 2);
    assert.equal(spawns({ cluster: "testbed-3", profile: "gamma", outcome: "success" }), 1);
    assert.equal(spawns({ cluster: "testbed-1", profile: "slow", outcome: "success" }), 1);
    assert.equal(spawns({ cluster: "testbed-3", profile: "pullfail", outcome: "failure" }), 1);
    assert.equal(spawns({ outcome: "failure" }), 2, "the unknown profile is a failure too");
    // The daemon's own timing of the two beta starts lies within what the client saw.
    const betaSum = delta(s0, s1, "mcks_spawn_duration_seconds_sum", { cluster: "testbed-2", profile: "beta", outcome: "success" });
    assert.ok(betaSum > 0 && betaSum <= (a!.ms + b!.ms) / 1000, `beta spawn seconds ${betaSum} vs client ${a!.ms} + ${b!.ms} ms`);
    assert.equal(delta(s0, s1, "mcks_spawn_duration_seconds_bucket", { cluster: "testbed-1", profile: "slow", outcome: "success", le: "2" }), 0, "the slow start took over 2 s");
    assert.equal(delta(s0, s1, "mcks_spawn_duration_seconds_bucket", { cluster: "testbed-1", profile: "slow", outcome: "success", le: "+Inf" }), 1);

    assert.equal(delta(s0, s1, "mcks_spawn_failures_total", { cluster: "testbed-3", reason: pullReason! }), 1);
    assert.equal(delta(s0, s1, "mcks_spawn_failures_total", { reason: "BadRequest" }), 1);
    assert.equal(delta(s0, s1, "mcks_spawn_failures_total"), 2);

    for (const [cluster, n] of [["testbed-1", 1], ["testbed-2", 2], ["testbed-3", 1]] as const) {
      assert.equal(delta(s0, s1, "mcks_servers", { cluster, phase: "running" }), n, `running on ${cluster}`);
      assert.equal(value(s1, "mcks_servers", { cluster, phase: "starting" }), 0);
      assert.equal(value(s1, "mcks_cluster_reachable", { cluster }), 1, `${cluster} reachable`);
      const seen = value(s1, "mcks_cluster_last_seen_timestamp_seconds", { cluster });
      assert.ok(seen * 1000 > s1.at - 30_000 && seen * 1000 <= s1.at + 1000, `${cluster} last seen ${seen}`);
    }

    // One server-side apply PATCH per object (200 or 201) per beta start, and nothing more.
    const perBeta = objectCount("beta", u("a"));
    const patches = (code: string) => delta(s0, s1, "mcks_kube_request_duration_seconds_count", { cluster: "testbed-2", verb: "PATCH", code });
    assert.equal(patches("200") + patches("201"), 2 * perBeta, `PATCHes on testbed-2: ${patches("200")} × 200, ${patches("201")} × 201`);
    assert.equal(delta(s0, s1, "mcks_kube_request_duration_seconds_count", { cluster: "testbed-2", verb: "PATCH" }), 2 * perBeta, "no failed PATCH");
    assert.ok(delta(s0, s1, "mcks_kube_request_duration_seconds_sum", { cluster: "testbed-2", verb: "PATCH" }) > 0);
    assert.equal(delta(s0, s1, "mcks_kube_request_duration_seconds_count", { cluster: "testbed-2", verb: "DELETE" }), 0);

    const rpc = (method: string, outcome: string) => delta(s0, s1, "mcks_rpc_request_duration_seconds_count", { method, outcome });
    assert.equal(rpc("server.start", "ok"), 4);
    assert.equal(rpc("server.start", "failed"), 2);
    assert.ok(rpc("servers.list", "ok") >= 1);

    assert.ok(value(s1, "process_resident_memory_bytes") > 10 * 1024 * 1024, "process metrics");
    const startedAt = value(s1, "process_start_time_seconds");
    assert.ok(startedAt * 1000 < t0 && startedAt * 1000 > t0 - 600_000, `process_start_time_seconds ${startedAt}`);
    assert.equal(value(s1, "mcks_build_info"), 1);

    // The admin view, as an operator reads it.
    const list = await client.call("servers.list", {});
    for (const [user, profile, cluster] of [[u("a"), "beta", "testbed-2"], [u("c"), "gamma", "testbed-3"], [u("e"), "slow", "testbed-1"]] as const) {
      const s = list.servers.find((x) => x.user === user);
      assert.ok(s, `${user} listed`);
      assert.deepEqual([s.server, s.profile, s.cluster, s.namespace, s.phase, s.key], ["", profile, cluster, "default", "running", `jupyter-${user}`]);
      assert.ok(s.node, `${user} has a node`);
      assert.ok(s.since && Date.parse(s.since) >= t0 - 1000, `${user} since ${s.since}`);
      assert.match(s.message, /ready/i);
    }
    assert.equal(list.servers.some((x) => x.user === u("d")), false, "a failed start is gone");
    for (const name of ["testbed-1", "testbed-2", "testbed-3"]) {
      const c = list.clusters[name]!;
      assert.equal(c.reachable, true);
      assert.match(c.version ?? "", /^v1\.\d+\.\d+/);
      assert.equal(c.running, list.servers.filter((x) => x.cluster === name && x.phase === "running").length);
    }
    const json = JSON.parse(status("-o", "json")) as ServersListResult;
    assert.deepEqual(Object.keys(json.clusters).sort(), ["testbed-1", "testbed-2", "testbed-3"]);
    const table = status();
    assert.match(table, /^CLUSTER\s+REACHABLE\s+VERSION\s+RUNNING\s+PENDING\s+LAST SEEN/m);
    assert.match(table, new RegExp(`^testbed-2\\s+yes\\s+v1\\.\\d+\\.\\d+\\s+${list.clusters["testbed-2"]!.running}\\s+0\\s`, "m"));
    assert.match(table, new RegExp(`^${u("a")}\\s+""\\s+beta\\s+testbed-2\\s+default\\s+running\\s+\\S+\\s+\\d+s\\s+`, "m"));

    // Stops: the gauge goes back; per beta server two DELETEs: its owner and, with now, its Pod
    // (the garbage collector removes the rest).
    await Promise.all([a, b, c, e2].map((o) => client.call("server.stop", { user: { name: o!.user }, server: "", state: o!.result!.state, now: true })));
    const s2 = await scrape();
    for (const cluster of ["testbed-1", "testbed-2", "testbed-3"]) {
      assert.equal(value(s2, "mcks_servers", { cluster, phase: "running" }), value(s0, "mcks_servers", { cluster, phase: "running" }), `${cluster} back to before`);
    }
    assert.equal(delta(s1, s2, "mcks_kube_request_duration_seconds_count", { cluster: "testbed-2", verb: "DELETE" }), 2 * 2);
    assert.equal(delta(s1, s2, "mcks_rpc_request_duration_seconds_count", { method: "server.stop", outcome: "ok" }), 4);
  });
});
