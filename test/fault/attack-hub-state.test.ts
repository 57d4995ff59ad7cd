/**
 * Attack (issue 11, finding 3): the state the hub stores (and hands back on poll/stop/delete)
 * is edited to point at someone else: `server.stop` for alice with bob's key, a key that smuggles
 * a label selector, a namespace of the cluster's system. The real daemon (product binary, on the
 * bed) recomputes key, namespace and cluster from (user, server, config), refuses a state that
 * disagrees with a clear error, and touches nothing of bob's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RpcCallError } from "../../src/rpc/client.ts";
import { writeAttackConfig } from "./attack-config.ts";
import { allManaged, managedAfterStop, faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("state");
let fb: FaultBed;
let serve: ServeProcess;

before(async () => {
  fb = await faultBed("mcks-attack-state-");
  serve = await startServe(
    writeAttackConfig(fb, {
      profiles: `{ slug: "one", displayName: "One", cluster: "CLUSTER1", default: true }, { slug: "two", displayName: "Two", cluster: "CLUSTER2" }`,
    }),
  );
});
after(async () => {
  await serve?.stop();
});

type State = { cluster: string; namespace: string; key: string; profile: string };

async function call(method: "server.stop" | "server.delete" | "server.poll", user: string, state: State | null): Promise<{ error?: RpcCallError; result?: unknown }> {
  const c = await serve.client();
  try {
    return { result: await c.call(method, { user: { name: user }, server: "", state }, { timeoutMs: 60_000 }) };
  } catch (err) {
    assert.ok(err instanceof RpcCallError, String(err));
    return { error: err };
  } finally {
    await c.close();
  }
}

describe("attack: a hub state that points at another user's server", () => {
  it("alice's stop, delete and poll with bob's state are refused; bob's server is untouched", async () => {
    const bob = `${prefix}bob`;
    const alice = `${prefix}alice`;
    const c = await serve.client();
    const started = await c.call("server.start", { user: { name: bob }, server: "", profile: "one", options: {}, env: {} }, { timeoutMs: 120_000 });
    await c.close();
    const bobs = allManaged(fb, `${prefix}bob`);
    assert.ok(bobs.length >= 4, `bob's objects: ${bobs.join(", ")}`);

    const forged: State[] = [
      started.state,
      { ...started.state, key: `${started.state.key},app.kubernetes.io/managed-by` },
      { ...started.state, key: `jupyter-${alice}`, namespace: "kube-system" },
      { ...started.state, key: `jupyter-${alice}`, cluster: fb.clusters[1]!.name },
    ];
    for (const state of forged) {
      for (const method of ["server.stop", "server.delete", "server.poll"] as const) {
        const r = await call(method, alice, state);
        assert.ok(r.error, `${method} with ${JSON.stringify(state)} was accepted: ${JSON.stringify(r.result)}`);
        assert.equal(r.error.code, -32000);
        assert.match(r.error.message, /stored state .* does not match/);
      }
    }
    assert.deepEqual(allManaged(fb, `${prefix}bob`), bobs, "bob's objects changed");
    const poll = await call("server.poll", bob, started.state);
    assert.deepEqual(poll.result, { status: null }, "bob's server is still running");
    // bob's own stop with his own state works.
    const stop = await call("server.stop", bob, started.state);
    assert.equal(stop.error, undefined, stop.error?.message);
    const notHome = (objects: string[]) => objects.filter((o) => !o.includes("PersistentVolumeClaim"));
    assert.deepEqual(notHome(await managedAfterStop(fb, `${prefix}bob`, (o) => notHome(o).length === 0)), []);
  });
});
