/**
 * One of three API servers is SIGKILLed during a burst of 60 starts: starts on the other two
 * all succeed, starts on the dead one fail fast with a message naming the cluster, servers
 * already running there are not reported stopped within the poll grace period, and after the
 * API server returns (restarted as `npm run testbed -- up` does) state converges: poll is
 * right, a new start there works, stop leaves nothing behind. The bed is restored even when
 * an assertion fails.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RpcClient } from "../../src/rpc/client.ts";
import type { ServerState } from "../../src/rpc/protocol.ts";
import { apiServerRunning, killApiServer, restoreBed } from "./apiserver.ts";
import type { BedCluster } from "../testbed/state.ts";
import { allManaged, eventually, faultBed, profileSlug, runPrefix, startServe, type ServeProcess } from "./fault-fixture.ts";

let serve: ServeProcess | undefined;
let victimIndex: number | undefined;

after(async () => {
  await serve?.stop();
  if (victimIndex !== undefined && !apiServerRunning(victimIndex)) await restoreBed();
});

interface Outcome {
  readonly user: string;
  readonly cluster: string;
  readonly ms: number;
  readonly state?: ServerState;
  readonly error?: string;
}

function start(client: RpcClient, user: string, c: BedCluster): Promise<Outcome> {
  const t0 = Date.now();
  return client.call("server.start", { user: { name: user }, server: "", profile: profileSlug(c), options: {}, env: {} }).then(
    (r) => ({ user, cluster: c.name, ms: Date.now() - t0, state: r.state }),
    (e: Error) => ({ user, cluster: c.name, ms: Date.now() - t0, error: e.message }),
  );
}

describe("an API server dies during a burst", () => {
  it("healthy clusters are unaffected, the dead one fails fast, running servers keep their state, and it converges after the restart", { timeout: 300_000 }, async () => {
    const fb = await faultBed("mcks-fault-apiserver-", { startTimeout: 60, pollGracePeriod: 90 });
    const victim = fb.clusters[1]!;
    const p = runPrefix("fault");
    assert.deepEqual(allManaged(fb, p), [], "no objects of this run's users yet");
    serve = await startServe(fb.configPath);
    const client = await serve.client();

    // Servers already running on the cluster that will die.
    const before = await Promise.all([0, 1, 2].map((i) => start(client, `${p}pre${i}`, victim)));
    for (const o of before) assert.equal(o.error, undefined, `${o.user} started before the fault`);

    // 30 starts, the kill, then 30 more while the first ones are under way.
    const wave1 = Array.from({ length: 30 }, (_, i) => start(client, `${p}a${i}`, fb.clusters[i % 3]!));
    await sleep(200);
    victimIndex = victim.index;
    killApiServer(victim.index);
    const killedAt = Date.now();
    const wave2 = Array.from({ length: 30 }, (_, i) => start(client, `${p}b${i}`, fb.clusters[i % 3]!));
    const first = await Promise.all(wave1);
    const second = await Promise.all(wave2);

    for (const o of [...first, ...second].filter((x) => x.cluster !== victim.name)) {
      assert.equal(o.error, undefined, `${o.user} on healthy ${o.cluster} must start (${o.error})`);
    }
    const onVictim = second.filter((o) => o.cluster === victim.name);
    for (const o of onVictim) {
      assert.ok(o.error, `${o.user} cannot start on the dead cluster`);
      // The hub user reads which cluster and what to do; its address and the network error stay in the daemon's log.
      assert.match(o.error!, new RegExp(`cluster "${victim.name}" (cannot be reached right now|is unreachable since \\S+ \\([a-z ]+\\)); .*\\(reference mcks-[0-9a-f]{8}\\)`), `a clear message naming the cluster: ${o.error}`);
      assert.doesNotMatch(o.error!, /https?:\/\/|ECONNREFUSED/, `no address or network error for the hub user: ${o.error}`);
      assert.ok(o.ms < 30_000, `${o.user} failed fast (${o.ms} ms; the start timeout is far longer)`);
    }
    // Starts already under way when it died end either way, within the start timeout, with a reason.
    for (const o of first.filter((x) => x.cluster === victim.name)) {
      if (o.error) assert.match(o.error, /unreachable|did not become ready|cannot|refused/, o.error);
    }

    const firstOnVictim = first.filter((x) => x.cluster === victim.name);
    console.error(
      `# on ${victim.name}: before the kill ${firstOnVictim.filter((o) => !o.error).length}/${firstOnVictim.length} of wave 1 started; ` +
        `after it ${onVictim.length} failed in ≤ ${Math.max(...onVictim.map((o) => o.ms))} ms, e.g. "${onVictim[0]?.error}"`,
    );

    // Within the grace period the servers there are not reported stopped.
    for (const o of before) assert.deepEqual(await client.call("server.poll", { user: { name: o.user }, server: "", state: o.state! }), { status: null }, o.user);
    assert.ok(Date.now() - killedAt < 90_000, "still within the grace period");

    await restoreBed();
    victimIndex = undefined;

    // Converges: a new start there works; earlier servers still poll as running.
    await eventually("a start on the restarted cluster works", async () => !(await start(client, `${p}after`, victim)).error, 60_000);
    for (const o of before) assert.deepEqual(await client.call("server.poll", { user: { name: o.user }, server: "", state: o.state! }), { status: null }, o.user);

    // Stop everything the hub knows of (as it would), plus the failed starts (the hub stops those too).
    const all = [...before, ...first, ...second, { user: `${p}after`, cluster: victim.name, ms: 0 }];
    await Promise.all(all.map((o) => client.call("server.stop", { user: { name: o.user }, server: "", state: o.state ?? null, now: true })));
    await eventually("nothing left on any cluster", () => allManaged(fb, p).length === 0, 60_000);
    for (const o of before) assert.notEqual((await client.call("server.poll", { user: { name: o.user }, server: "", state: o.state! })).status, null, `${o.user} stopped`);
    assert.equal(serve.child.exitCode, null, "the daemon lived through it");
    await client.close();
  });
});
