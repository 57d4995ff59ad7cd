import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { idleGc } from "../../src/serve/idle-gc.ts";

describe("idle GC", () => {
  it("collects once after the last of overlapping starts, not while one runs", async () => {
    let calls = 0;
    const g = idleGc({ idleMs: 30, minGapMs: 0, gc: () => void calls++ });
    let release!: () => void;
    const slow = g.track(new Promise<void>((r) => (release = r)));
    await g.track(sleep(5));
    await sleep(80);
    assert.equal(calls, 0, "no collection while a start is under way");
    release();
    await slow;
    await sleep(15);
    assert.equal(calls, 0, "not before idleMs");
    await sleep(60);
    assert.equal(calls, 1);
    await sleep(60);
    assert.equal(calls, 1, "nothing new ran: no second collection");
  });

  it("waits out minGapMs between collections and passes results and errors through", async () => {
    let calls = 0;
    const g = idleGc({ idleMs: 10, minGapMs: 150, gc: () => void calls++ });
    assert.equal(await g.track(Promise.resolve(7)), 7);
    await sleep(40);
    assert.equal(calls, 1);
    await assert.rejects(g.track(Promise.reject(new Error("boom"))), /boom/);
    await sleep(40);
    assert.equal(calls, 1, "within minGapMs of the last one");
    await sleep(150);
    assert.equal(calls, 2);
  });

  it("is a no-op without a gc function (no --expose-gc)", async () => {
    const g = idleGc({ gc: undefined });
    assert.equal(await g.track(Promise.resolve("x")), "x");
  });
});
