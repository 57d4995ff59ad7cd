/**
 * `mcks serve` through its socket, on the real 3-cluster bed, as the restricted identities
 * (only test/testbed/rbac-minimal.yaml granted): start, reach, poll, stop, delete.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { RpcClient } from "../../src/rpc/client.ts";
import type { StartResult } from "../../src/rpc/protocol.ts";
import {
  cleanKeys,
  dryRun,
  ensureBed,
  kubectl,
  managedObjects,
  objectsAfterStop,
  podNetwork,
  startServe,
  tempDir,
  token,
  writeServeConfig,
  type Bed,
  type ServeProcess,
} from "./serve-fixture.ts";

let bed: Bed;
let serve: ServeProcess;
let client: RpcClient;
let configPath: string;
const progress: Array<{ user: string; event: { progress: number; message: string } }> = [];

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["alice", "bob", "carol", "dave", "erin", "frank", "gina"].map((u) => `jupyter-${u}`));
  configPath = writeServeConfig(bed, tempDir("mcks-serve-life-"));
  serve = await startServe(configPath);
  client = await serve.client((method, params) => {
    if (method === "server.progress") progress.push(params as (typeof progress)[number]);
  });
});

after(async () => {
  await client?.close();
  await serve?.stop();
});

const user = (name: string) => ({ name, groups: ["students"] });

/** A page of the server through the ingress; the bed's mock server describes the pod that answered. */
async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}tree`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("mcks serve on the bed", () => {
  it("listens on a socket only its owner may use", () => {
    assert.equal(statSync(serve.socket).mode & 0o777, 0o600);
  });

  it("health lists every cluster as reachable", async () => {
    const h = await client.call("health", {});
    assert.deepEqual(Object.keys(h.clusters).sort(), ["testbed-1", "testbed-2", "testbed-3"]);
    for (const c of Object.values(h.clusters)) assert.equal(c.reachable, true);
  });

  it("starts two users in parallel on two clusters, each reachable through its own ingress; stop keeps only the home volume", async () => {
    const aliceToken = token("alice");
    const bobToken = token("bob");
    const [alice, bob] = await Promise.all([
      client.call("server.start", { user: user("alice"), profile: "alpha", env: { JUPYTERHUB_API_TOKEN: aliceToken } }),
      client.call("server.start", { user: user("bob"), profile: "beta", env: { JUPYTERHUB_API_TOKEN: bobToken } }),
    ]);
    assert.equal(alice.state.cluster, "testbed-1");
    assert.equal(bob.state.cluster, "testbed-2");
    assert.equal(alice.url, `${bed.clusters[0]!.ingressUrl}/user/alice/`);
    assert.equal(bob.url, `${bed.clusters[1]!.ingressUrl}/user/bob/`);

    // Each answer comes from the pod in that user's cluster (each bed node has its own loopback /16).
    const a = await get(alice.url);
    const b = await get(bob.url);
    assert.equal(a.status, 200);
    assert.equal(a.body.pod, "jupyter-alice");
    assert.ok(String(a.body.ip).startsWith(podNetwork(bed, "testbed-1")), `alice's pod IP ${a.body.ip}`);
    assert.equal(b.body.pod, "jupyter-bob");
    assert.ok(String(b.body.ip).startsWith(podNetwork(bed, "testbed-2")), `bob's pod IP ${b.body.ip}`);

    // Progress reached the hub for both, ending at 100.
    for (const name of ["alice", "bob"]) {
      const mine = progress.filter((p) => p.user === name).map((p) => p.event.progress);
      assert.ok(mine.length >= 4, `${name}: ${mine.join(",")}`);
      assert.equal(mine.at(-1), 100);
      assert.deepEqual(mine, [...mine].sort((x, y) => x - y), "progress never goes back");
    }

    assert.deepEqual(await client.call("server.poll", { user: user("alice"), state: alice.state }), { status: null });
    assert.deepEqual(await client.call("server.poll", { user: user("bob"), state: bob.state }), { status: null });

    // The token is in the Secret only: not in the pod spec, not in the state, not in the log.
    const podJson = kubectl(bed, "testbed-1", ["get", "pod", "jupyter-alice", "-o", "json"]);
    assert.ok(!podJson.includes(aliceToken), "token in the Pod");
    const secret = JSON.parse(kubectl(bed, "testbed-1", ["get", "secret", "jupyter-alice", "-o", "json"])) as { data: Record<string, string> };
    assert.equal(Buffer.from(secret.data.JUPYTERHUB_API_TOKEN ?? "", "base64").toString(), aliceToken);
    assert.ok(!JSON.stringify(alice.state).includes(aliceToken), "token in the state");
    assert.ok(!serve.log().includes(aliceToken) && !serve.log().includes(bobToken), "token in the log");

    // A second start of a running server answers at once with the same server.
    assert.deepEqual(await client.call("server.start", { user: user("alice"), profile: "alpha" }), alice);

    const pvcUid = kubectl(bed, "testbed-1", ["get", "pvc", "jupyter-alice-home", "-o", "jsonpath={.metadata.uid}"]);
    await Promise.all([
      client.call("server.stop", { user: user("alice"), state: alice.state }),
      client.call("server.stop", { user: user("bob"), state: bob.state, now: true }),
    ]);
    const home = ["PersistentVolumeClaim/jupyter-alice-home"];
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-alice", home), home);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", "jupyter-bob"), []);
    assert.deepEqual(await client.call("server.poll", { user: user("alice"), state: alice.state }), { status: 0 });
    // Stop is idempotent.
    await client.call("server.stop", { user: user("alice"), state: alice.state });

    // A restart gets the same home volume back; deleting the server removes it.
    const again = await client.call("server.start", { user: user("alice"), profile: "alpha", env: { JUPYTERHUB_API_TOKEN: aliceToken } });
    assert.equal(kubectl(bed, "testbed-1", ["get", "pvc", "jupyter-alice-home", "-o", "jsonpath={.metadata.uid}"]), pvcUid);
    await client.call("server.stop", { user: user("alice"), state: again.state });
    await client.call("server.delete", { user: user("alice"), state: again.state });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-alice"), []);
  });

  it("applies exactly what dry-run prints (patches and the dask Role/RoleBinding included)", async () => {
    const env = { JUPYTERHUB_API_TOKEN: token("carol") };
    const started = await client.call("server.start", { user: user("carol"), profile: "alpha", env });
    try {
      const planned = JSON.parse(
        dryRun(configPath, ["--user", "carol", "--profile", "alpha", "--group", "students", "--env", `JUPYTERHUB_API_TOKEN=${env.JUPYTERHUB_API_TOKEN}`]),
      ) as { items: Array<{ kind: string; metadata: { name: string } }> };
      assert.deepEqual(
        planned.items.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
        managedObjects(bed, "testbed-1", "jupyter-carol"),
      );
      for (const want of planned.items) {
        const live = JSON.parse(kubectl(bed, "testbed-1", ["get", want.kind, want.metadata.name, "-o", "json"])) as Record<string, unknown>;
        const expected = structuredClone(want) as Record<string, unknown>;
        if (want.kind === "Secret") {
          // stringData is write-only: the API server stores it base64-encoded under data.
          const sd = expected.stringData as Record<string, string>;
          delete expected.stringData;
          expected.data = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
        }
        assertSubset(live, expected, `${want.kind}/${want.metadata.name}`);
      }
    } finally {
      await client.call("server.delete", { user: user("carol"), state: started.state });
    }
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-carol"), []);
  });

  it("fails fast with the Kubernetes reason for a broken image and a pod no node or scale-up can take, leaving nothing behind", async () => {
    const t0 = Date.now();
    const [pull, sched] = await Promise.allSettled([
      client.call("server.start", { user: user("dave"), profile: "pullfail" }),
      client.call("server.start", { user: user("erin"), profile: "unsched" }),
    ]);
    const elapsed = Date.now() - t0;
    assert.equal(pull.status, "rejected");
    assert.equal(sched.status, "rejected");
    assert.match((pull as PromiseRejectedResult).reason.message, /ErrImagePull|ImagePullBackOff/);
    assert.match((sched as PromiseRejectedResult).reason.message, /NotTriggerScaleUp: .*pod didn't trigger scale-up/);
    assert.ok(elapsed < 45_000, `took ${elapsed} ms (the start timeout is 60 s)`);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-3", "jupyter-dave"), []);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-3", "jupyter-erin"), []);
    assert.deepEqual(await client.call("server.poll", { user: user("dave"), state: null }), { status: 0 });
  });

  it("a stop during a start cancels it and cleans up; a start during a stop waits for it", async () => {
    const starting = client.call("server.start", { user: user("frank"), profile: "slow" });
    starting.catch(() => {}); // asserted below; keeps the rejection from counting as unhandled
    await waitFor(() => managedObjects(bed, "testbed-1", "jupyter-frank").includes("Pod/jupyter-frank"));
    await client.call("server.stop", { user: user("frank"), state: null, now: true });
    await assert.rejects(starting, /stopped while starting/);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-frank"), []);

    // A start that arrives while a stop is still deleting waits for it, then starts afresh.
    const first = await client.call("server.start", { user: user("frank"), profile: "beta" });
    const stopping = client.call("server.stop", { user: user("frank"), state: first.state });
    const second = await client.call("server.start", { user: user("frank"), profile: "beta" });
    await stopping;
    assert.equal((await fetch(`${second.url}api`)).status, 200);
    assert.deepEqual(await client.call("server.poll", { user: user("frank"), state: second.state }), { status: null });
    await client.call("server.stop", { user: user("frank"), state: second.state, now: true });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", "jupyter-frank"), []);
  });

  it("rejects bad requests with a message naming the field, and survives them", async () => {
    await assert.rejects(client.request("server.start", { user: { name: 42 } }), /params\.user\.name/);
    await assert.rejects(client.call("server.start", { user: user("gina"), profile: "nope" }), /unknown profile "nope"/);
    await assert.rejects(client.request("server.explode", {}), /not found|unknown method/i);
    const h = await client.call("health", {});
    assert.ok(h.version);
  });
});

/** Every field of `expected` is in `actual` with the same value (lists item by item, in order). */
function assertSubset(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected a list`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: list length`);
    expected.forEach((e, i) => assertSubset((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === "object") {
    assert.ok(actual && typeof actual === "object", `${path}: expected an object`);
    for (const [k, v] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else if (expected === "" && actual === undefined) {
    // Empty strings are omitted on the way back (RoleBinding subjects[].apiGroup "").
  } else if (typeof expected === "number" && typeof actual === "string") {
    // Quantities: the API server stores `nvidia.com/gpu: 1` as the string "1".
    assert.equal(actual, String(expected), path);
  } else {
    assert.equal(actual, expected, path);
  }
}

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type { StartResult };
