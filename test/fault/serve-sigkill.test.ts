/**
 * `mcks serve` is SIGKILLed at random moments during 100 start/stop cycles (5 run in parallel,
 * as several hub users would) and restarted each time on the same socket. Each cycle behaves
 * like JupyterHub: a start that fails is followed by a stop; a stop that fails is retried.
 * Every tenth server is left running. At the end, after one more kill and restart: the clusters
 * hold exactly the running servers' objects (no orphans), poll says running for those and
 * stopped for all others, and stopping them leaves nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RpcClient } from "../../src/rpc/client.ts";
import type { ServerState } from "../../src/rpc/protocol.ts";
import { OBJECTS_PER_START } from "../../bench/burst-config.ts";
import { allManaged, managedAfterStop, faultBed, profileSlug, runPrefix, startServe, type ServeProcess } from "./fault-fixture.ts";

const CYCLES = 100;
const LANES = 5;
const KEEP_EVERY = 10;

let serve: ServeProcess | undefined;
after(async () => {
  await serve?.stop();
});

describe("mcks serve SIGKILLed during start/stop cycles", () => {
  it(`${CYCLES} cycles, killed at random points: no orphans, every poll right`, { timeout: 400_000 }, async () => {
    const fb = await faultBed("mcks-fault-sigkill-", { startTimeout: 60 });
    const p = runPrefix("cycle");
    assert.deepEqual(allManaged(fb, p), [], "no objects of this run's users yet");
    const socket = join(fb.dir, "mcks.sock");
    serve = await startServe(fb.configPath, socket);
    let epoch = 0;
    let kills = 0;
    let done = false;
    const unexpected: string[] = [];

    // The killer: a random moment after each (re)start, SIGKILL, then start a new daemon.
    const killer = (async () => {
      while (!done) {
        await sleep(200 + Math.random() * 2300);
        if (done) break;
        await serve!.kill("SIGKILL");
        kills += 1;
        serve = await startServe(fb.configPath, socket);
        epoch += 1;
      }
    })();

    /** A connection to the daemon running now; a new one after a restart. */
    const lane = { clients: new Map<number, { client: RpcClient; epoch: number; closed: boolean }>() };
    async function call<T>(laneId: number, op: (c: RpcClient) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
      let conn = lane.clients.get(laneId);
      if (!conn || conn.closed || conn.epoch !== epoch) {
        if (conn && !conn.closed) await conn.client.close().catch(() => {});
        for (;;) {
          try {
            const c = { client: await serve!.client(), epoch, closed: false };
            void c.client.closed.then(() => (c.closed = true));
            conn = c;
            break;
          } catch {
            await sleep(100); // between a kill and the restart nothing listens
          }
        }
        lane.clients.set(laneId, conn);
      }
      try {
        return { ok: true, value: await op(conn.client) };
      } catch (e) {
        await sleep(50);
        // A call cut by the kill is expected; anything else while the daemon lives is a bug.
        if (!conn.closed && serve!.child.exitCode === null && conn.epoch === epoch) unexpected.push((e as Error).message);
        return { ok: false, error: (e as Error).message };
      }
    }

    const kept = new Map<string, ServerState>();
    const users: string[] = [];
    let failedStarts = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async (_, laneId) => {
        for (let i = next++; i < CYCLES; i = next++) {
          const user = { name: `${p}${i}` };
          users.push(user.name);
          const c = fb.clusters[i % 3]!;
          const started = await call(laneId, (cl) => cl.call("server.start", { user, server: "", profile: profileSlug(c), options: {}, env: {} }, { timeoutMs: 90_000 }));
          if (started.ok && i % KEEP_EVERY === 0) {
            kept.set(user.name, started.value.state);
            continue;
          }
          if (!started.ok) failedStarts += 1;
          const state = started.ok ? started.value.state : null;
          for (let tries = 0; ; tries++) {
            const stopped = await call(laneId, (cl) => cl.call("server.stop", { user, server: "", state, now: true }, { timeoutMs: 90_000 }));
            if (stopped.ok) break;
            assert.ok(tries < 20, `stop of ${user.name} kept failing: ${stopped.error}`);
          }
        }
      }),
    );
    done = true;
    await killer;
    for (const c of lane.clients.values()) await c.client.close().catch(() => {});

    // One more crash and restart, then check everything against the clusters.
    await serve.kill("SIGKILL");
    serve = await startServe(fb.configPath, socket);
    const client = await serve.client();
    assert.ok(kills >= 5, `the daemon was killed ${kills} times`);
    assert.deepEqual(unexpected, [], "no call failed while the daemon was alive");
    console.error(`# ${kills} kills, ${failedStarts} starts cut by a kill, ${kept.size} servers left running`);

    // The last cycles' stops returned when their Pods went; the collector may still be at the rest.
    const keptKeys = new Set([...kept.keys()].map((u) => `jupyter-${u}`));
    const managed = await managedAfterStop(fb, p, (objects) => objects.every((m) => keptKeys.has(/\/(jupyter-[a-z0-9-]+)$/.exec(m)?.[1] ?? "")));
    const keys = new Set(managed.map((m) => /\/(jupyter-[a-z0-9-]+)$/.exec(m)?.[1]));
    assert.deepEqual([...keys].sort(), [...kept.keys()].map((u) => `jupyter-${u}`).sort(), "only the running servers' objects are in the clusters");
    assert.equal(managed.length, kept.size * OBJECTS_PER_START, "each running server has all its objects, nothing more");
    for (const u of users) {
      const status = (await client.call("server.poll", { user: { name: u }, server: "", state: kept.get(u) ?? null })).status;
      if (kept.has(u)) assert.equal(status, null, `${u} is running`);
      else assert.notEqual(status, null, `${u} is stopped`);
    }
    for (const [u, state] of kept) await client.call("server.stop", { user: { name: u }, server: "", state, now: true });
    assert.deepEqual(await managedAfterStop(fb, p), [], "nothing left after stopping the running ones");
    await client.close();
  });
});
