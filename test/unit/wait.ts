/** For unit tests on real timers and sockets: a loaded machine runs them late, never early. */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";

/** Waits (bounded) until `cond` holds; fails with `what` otherwise. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(5);
  }
}
