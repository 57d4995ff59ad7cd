/**
 * What one server costs the API server, start and stop, through the daemon's ServerManager (in
 * process, so the client's own request counter is read) on the real bed with test/testbed/config.ts:
 * pod-ip routing without a ServiceAccount (`testbed-1-direct`) is a Secret and a Pod, two
 * requests, and its URL is the Pod's IP; ingress routing is one request per object; a stop is two
 * requests either way (the owner's DELETE and the Pod's), and a daemon restarted in between still
 * stops in two.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { Kube } from "../../src/kube/index.ts";
import type { StartResult } from "../../src/rpc/protocol.ts";
import type { ServerManager } from "../../src/serve/manager.ts";
import type { ServeLog } from "../../src/serve/log.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { cleanKeys, objectsAfterStop } from "./serve-fixture.ts";

const CONFIG = join(import.meta.dirname, "../testbed/config.ts");
const quiet: ServeLog = { info: () => {}, warn: () => {}, error: () => {}, child: () => quiet, with: () => quiet };

let bed: Bed;
let kube: Kube | undefined;
let manager: ServerManager;

/** A daemon's manager and clusters as `mcks serve` makes them, without the periodic reachability probe (it would be counted). */
async function daemon(): Promise<{ kube: Kube; manager: ServerManager }> {
  const { createKube } = await import("../../src/kube/index.ts");
  const { ServerManager } = await import("../../src/serve/manager.ts");
  const { config } = await loadConfig(CONFIG);
  const k = await createKube({ clusters: config.clusters.values(), probeIntervalMs: 0 });
  const m = new ServerManager(config, k, quiet);
  await m.recover();
  return { kube: k, manager: m };
}

/** API requests (watches not included) sent to one configured cluster while `fn` runs. */
async function requests<T>(cluster: string, fn: () => Promise<T>): Promise<{ value: T; requests: number; byMethod: Record<string, number> }> {
  const stats = kube!.cluster(cluster).client.http.stats;
  const total = stats.total;
  const methods = { ...stats.byMethod };
  const value = await fn();
  const byMethod: Record<string, number> = {};
  for (const [m, n] of Object.entries(stats.byMethod)) if (m !== "WATCH" && n !== (methods[m] ?? 0)) byMethod[m] = n - (methods[m] ?? 0);
  return { value, requests: stats.total - total, byMethod };
}

const user = (name: string) => ({ name });
const start = (name: string, profile: string) => manager.start({ user: user(name), server: "", profile }, () => {}, new AbortController().signal);

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["jupyter-fp-direct", "jupyter-fp-ingress", "jupyter-fp-restart"]);
  ({ kube, manager } = await daemon());
});

after(async () => {
  await kube?.close();
});

describe("API requests per start and per stop", () => {
  let direct: StartResult;

  test("pod-ip routing without a ServiceAccount: a Secret and a Pod, two requests; the URL is the Pod's IP", async () => {
    const r = await requests("testbed-1-direct", () => start("fp-direct", "testbed-1-direct"));
    direct = r.value;
    assert.deepEqual(r.byMethod, { PATCH: 2 }, "two server-side applies, nothing else");
    assert.equal(r.requests, 2);
    assert.match(direct.url, /^http:\/\/127\.\d+\.\d+\.\d+:8888$/);
    assert.equal(direct.state.cluster, "testbed-1-direct");
    const answer = await fetch(`${direct.url}/user/fp-direct/api`);
    assert.equal(answer.status, 200, "the Pod answers at its IP under the hub's prefix");
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-fp-direct", ["Pod/jupyter-fp-direct", "Secret/jupyter-fp-direct"]), ["Pod/jupyter-fp-direct", "Secret/jupyter-fp-direct"]);
  });

  test("its stop is two requests, and nothing is left", async () => {
    const r = await requests("testbed-1-direct", () => manager.stop({ user: user("fp-direct"), server: "", state: direct.state }, false));
    assert.deepEqual(r.byMethod, { DELETE: 2 });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-fp-direct"), []);
  });

  test("ingress routing: one request per object (ServiceAccount, Secret, Pod, Service, Ingress); the stop is two", async () => {
    const started = await requests("testbed-1", () => start("fp-ingress", "testbed-1"));
    assert.deepEqual(started.byMethod, { PATCH: 5 });
    assert.match(started.value.url, /^http:\/\/127\.0\.0\.1:\d+\/user\/fp-ingress\/$/);
    const stopped = await requests("testbed-1", () => manager.stop({ user: user("fp-ingress"), server: "", state: started.value.state }, false));
    assert.deepEqual(stopped.byMethod, { DELETE: 2 });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-fp-ingress"), []);
  });

  test("a restarted daemon stops a server it recovered in two requests too", async () => {
    const started = await start("fp-restart", "testbed-1");
    await kube!.close();
    ({ kube, manager } = await daemon());
    const stopped = await requests("testbed-1", () => manager.stop({ user: user("fp-restart"), server: "", state: started.state }, false));
    assert.deepEqual(stopped.byMethod, { DELETE: 2 });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-fp-restart"), []);
  });
});
