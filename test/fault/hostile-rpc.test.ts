/**
 * Hostile input, RPC: random bytes, random JSON, well-framed requests with random methods and
 * params, oversized lines and lines cut off by a closed connection, sent to a real `mcks serve`
 * (the product binary) on the bed. The daemon never dies, keeps answering `health` on new and
 * (where the framing allows) on the same connections, prints no stack trace, and creates nothing.
 * test/unit/rpc-robustness.test.ts covers the RPC layer in-process; this is the whole daemon.
 */
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { connect } from "../../src/rpc/client.ts";
import { allManaged, faultBed, startServe, type ServeProcess } from "./fault-fixture.ts";
import type { FaultBed } from "./fault-fixture.ts";

let fb: FaultBed;
let serve: ServeProcess;
let before0: string[];

before(async () => {
  fb = await faultBed("mcks-fault-rpc-");
  before0 = allManaged(fb);
  serve = await startServe(fb.configPath);
});
after(async () => {
  await serve?.stop();
});

function raw(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path, () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves with the first line containing `needle`, or undefined when the connection ends first. */
function lineWith(s: Socket, needle: string, timeoutMs = 30_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = "";
    let finished = false;
    const done = (v: string | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(t);
      s.off("data", onData);
      resolve(v);
    };
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      const line = buf.split("\n").find((l) => l.includes(needle));
      if (line) done(line);
    };
    // After a stall of this process, timers run before the I/O of the same turn: the verdict waits
    // for the check phase, so data that arrived meanwhile is read first.
    const t = setTimeout(() => setImmediate(() => !finished && done(undefined)), timeoutMs);
    s.on("data", onData);
    s.once("close", () => done(undefined));
    s.on("error", () => {});
  });
}

async function stillAnswers(): Promise<void> {
  assert.equal(serve.child.exitCode, null, `the daemon died:\n${serve.log().slice(-2000)}`);
  const c = await connect(serve.socket, { timeoutMs: 30_000 });
  const h = await c.call("health", {});
  assert.ok(h.version, "health answers");
  assert.ok((h.daemon?.rssBytes ?? 0) > 0 && (h.daemon?.heapUsedBytes ?? 0) > 0, `health reports the daemon's memory: ${JSON.stringify(h.daemon)}`);
  await c.close();
}

const HEALTH = '{"jsonrpc":"2.0","id":"probe","method":"health","params":{}}\n';
const METHODS = ["health", "profiles.list", "server.start", "server.poll", "server.stop", "server.delete", "server.progress", "rpc.discover", "__proto__", "constructor", ""];

describe("hostile RPC input against a real mcks serve", () => {
  it("random bytes, then a request on the same connection", async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 8192 }), async (garbage) => {
        const s = await raw(serve.socket);
        const answer = lineWith(s, '"probe"');
        s.write(garbage);
        s.write(`\n${HEALTH}`);
        // After a bad line the daemon answers the next one (or drops a connection that sent an oversized line).
        const line = await answer;
        if (line !== undefined) {
          assert.ok(JSON.parse(line).result?.version, line);
          answered += 1;
        }
        s.destroy();
      }),
      { numRuns: 150 },
    );
    assert.ok(answered > 100, `only ${answered} of 150 connections were answered after the garbage`);
    await stillAnswers();
  });

  it("random JSON lines and random methods with random params get an answer, never a crash", async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json().map((j) => ({ line: j, id: undefined as number | undefined })),
          fc.record({ method: fc.oneof(fc.constantFrom(...METHODS), fc.string()), params: fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom("user", "server", "state", "profile", "options", "env", "now"), fc.jsonValue())) }).map((r) => {
            const k = ++id;
            return { line: JSON.stringify({ jsonrpc: "2.0", id: k, method: r.method, params: r.params }), id: k };
          }),
        ),
        async ({ line, id: k }) => {
          const s = await raw(serve.socket);
          const answer = lineWith(s, k === undefined ? '"probe"' : `"id":${k}`);
          s.write(`${line}\n`);
          if (k === undefined) s.write(HEALTH);
          const got = await answer;
          assert.ok(got !== undefined, `no answer to ${line.slice(0, 200)}`);
          const msg = JSON.parse(got) as { result?: unknown; error?: { code: number; message: string } };
          assert.ok("result" in msg || (msg.error && typeof msg.error.message === "string" && msg.error.message.length > 0), got);
          s.destroy();
        },
      ),
      { numRuns: 400 },
    );
    await stillAnswers();
  });

  it("oversized lines (2 MiB) are refused, not fatal; 200 connections cut mid-line", async () => {
    for (const withNewline of [true, false]) {
      const s = await raw(serve.socket);
      const answer = lineWith(s, "larger than");
      s.write(`{"jsonrpc":"2.0","id":1,"method":"health","params":{"pad":"${"x".repeat(2 * 1024 * 1024)}"}}${withNewline ? "\n" : ""}`);
      const line = await answer;
      assert.ok(line === undefined || /larger than/.test(line), `refusal: ${line?.slice(0, 200)}`);
      s.destroy();
    }
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const s = await raw(serve.socket);
        s.write(HEALTH.slice(0, i % HEALTH.length));
        s.destroy();
      }),
    );
    await stillAnswers();
  });

  it("afterwards: no stack trace in the daemon's log and nothing created in the clusters", () => {
    assert.doesNotMatch(serve.log(), /^\s+at .+:\d+:\d+\)?$/m, "a stack trace in the daemon's log");
    const now = new Set(allManaged(fb));
    for (const o of before0) now.delete(o);
    assert.deepEqual([...now], [], "objects created by hostile requests");
  });
});
