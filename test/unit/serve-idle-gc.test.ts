import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { idleGc } from "../../src/serve/idle-gc.ts";
import { until } from "./wait.ts";

// The margins are wide (hundreds of ms) so that a stalled test process cannot make an
// "not yet" check see a collection that was due only later.
describe("idle GC", () => {
  it("collects once after the last of overlapping starts, not while one runs", async () => {
    let calls = 0;
    const g = idleGc({ idleMs: 400, minGapMs: 0, gc: () => void calls++ });
    let release!: () => void;
    const slow = g.track(new Promise<void>((r) => (release = r)));
    await g.track(sleep(5));
    await sleep(600);
    assert.equal(calls, 0, "no collection while a start is under way");
    release();
    await slow;
    await sleep(20);
    assert.equal(calls, 0, "not before idleMs");
    await until(() => calls === 1, "the collection once idle");
    await sleep(600);
    assert.equal(calls, 1, "nothing new ran: no second collection");
  });

  it("waits out minGapMs between collections and passes results and errors through", async () => {
    const at: number[] = [];
    const g = idleGc({ idleMs: 10, minGapMs: 1500, gc: () => void at.push(Date.now()) });
    assert.equal(await g.track(Promise.resolve(7)), 7);
    await until(() => at.length === 1, "the first collection");
    await assert.rejects(g.track(Promise.reject(new Error("boom"))), /boom/);
    await sleep(100);
    if (Date.now() - at[0]! < 1400) assert.equal(at.length, 1, "within minGapMs of the last one");
    await until(() => at.length === 2, "the second collection, after minGapMs");
    assert.ok(at[1]! - at[0]! >= 1500 - 5, `the second came ${at[1]! - at[0]!} ms after the first`);
  });

  it("is a no-op without a gc function (no --expose-gc)", async () => {
    const g = idleGc({ gc: undefined });
    assert.equal(await g.track(Promise.resolve("x")), "x");
  });
});
