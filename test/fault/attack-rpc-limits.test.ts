/**
 * Attack (issue 11, finding 7): exhausting a real `mcks serve` (the product binary, on the bed)
 * through its socket — connections that never finish their line, connections each holding
 * about 1 MiB of unfinished line, and one batch of 5000 `server.start`. The daemon must refuse
 * with clear errors, give the resources back, keep answering, and start nothing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { connect } from "../../src/rpc/client.ts";
import { allManaged, eventually, faultBed, profileSlug, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

let fb: FaultBed;
let serve: ServeProcess;
const prefix = runPrefix("rpclim");

before(async () => {
  fb = await faultBed("mcks-attack-rpc-");
  serve = await startServe(fb.configPath);
});
after(async () => {
  await serve?.stop();
});

interface RawConn {
  readonly socket: Socket;
  /** Everything the daemon sent on it so far. */
  received(): string;
  closed(): boolean;
}

/**
 * A connection. A full listen backlog refuses a Unix socket's connect at once (EAGAIN): that is
 * the daemon being behind on accepting, so it is tried again, for up to 30 s in all.
 */
async function open(path: string): Promise<RawConn> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      return await openOnce(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > end) throw err;
      await sleep(10);
    }
  }
}

/** One connect; one the daemon does not accept within 30 s fails the test with that reason. */
function openOnce(path: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    let text = "";
    let closed = false;
    let settled = false;
    const s = netConnect(path, () => {
      settled = true;
      clearTimeout(timer);
      resolve({ socket: s, received: () => text, closed: () => closed });
    });
    // After a stall of this process, timers run before the I/O callbacks of the same turn; the
    // verdict waits for the check phase, after them, so a connection made meanwhile counts.
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          s.destroy();
          reject(new Error(`connection ${path} not accepted within 30 s`));
        }),
      30_000,
    );
    s.on("data", (d: Buffer) => (text += d.toString("utf8")));
    s.on("close", () => (closed = true));
    s.on("error", (err) => {
      if (!s.connecting || settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
  });
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) / 1024;
}

async function health(): Promise<void> {
  assert.equal(serve.child.exitCode, null, `the daemon died:\n${serve.log().slice(-2000)}`);
  const c = await connect(serve.socket, { timeoutMs: 10_000 });
  try {
    assert.ok((await c.call("health", {})).version);
  } finally {
    await c.close();
  }
}

describe("attack: exhausting the daemon through its socket", () => {
  it("1100 connections with half a line: those over the cap are refused at once, the rest are closed after the line timeout", async () => {
    const conns: RawConn[] = [];
    // All connections first, then the half lines: the daemon's 30 s line timer starts at a
    // connection's first byte, so however long opening 1100 takes, none is closed before all are open.
    for (let i = 0; i < 1100; i++) conns.push(await open(serve.socket));
    for (const c of conns) if (!c.closed() && c.received() === "") c.socket.write('{"jsonrpc":"2.0","id":1,"method":"hea');
    await eventually("connections over the cap refused", () => conns.filter((c) => c.received().includes("mcks is busy")).length >= 1100 - 1024, 60_000);
    const busy = conns.find((c) => c.received().includes("mcks is busy"))!;
    const refusal = JSON.parse(busy.received().split("\n")[0]!) as { error: { code: number; message: string } };
    assert.equal(refusal.error.code, -32000);
    assert.match(refusal.error.message, /1024 connections are open.*retry/);
    // The daemon frees the half-line connections itself (30 s line timeout), then answers again.
    await eventually("every half-line connection closed by the daemon", () => conns.every((c) => c.closed()), 120_000);
    const timedOut = conns.filter((c) => /no complete line within 30 s/.test(c.received())).length;
    assert.ok(timedOut >= 1000, `only ${timedOut} connections were told why they were closed`);
    await health();
  });

  it("300 connections holding ~1 MiB of unfinished line each: the daemon keeps at most 64 MiB of them, RSS stays bounded", async () => {
    const rss0 = rssMiB(serve.child.pid!);
    const chunk = `{"jsonrpc":"2.0","id":1,"method":"health","params":{"pad":"${"x".repeat(1024 * 1024 - 100)}`;
    const conns: RawConn[] = [];
    for (let i = 0; i < 300; i++) {
      const c = await open(serve.socket);
      c.socket.write(chunk);
      conns.push(c);
    }
    await eventually("connections over the buffer budget closed", () => conns.filter((c) => c.closed()).length >= 300 - 70, 120_000);
    const told = conns.filter((c) => c.received().includes("too many unfinished messages")).length;
    assert.ok(told >= 200, `only ${told} connections were told why they were closed`);
    await sleep(1000);
    const grown = rssMiB(serve.child.pid!) - rss0;
    // Before the limit this took RSS from 104 to 427 MiB; 64 MiB of lines plus their copies is the budget now.
    assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MiB`);
    for (const c of conns) c.socket.destroy();
    await health();
  });

  it("a batch of 5000 server.start is refused whole: nothing starts", async () => {
    const before0 = allManaged(fb, prefix);
    const batch = Array.from({ length: 5000 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "server.start",
      params: { user: { name: `${prefix}${i}` }, server: "", profile: profileSlug(fb.clusters[0]!), options: {}, env: {} },
    }));
    const c = await open(serve.socket);
    c.socket.write(`${JSON.stringify(batch)}\n`);
    await eventually("an answer to the batch", () => c.received().includes("\n"), 60_000);
    const answer = JSON.parse(c.received().split("\n")[0]!) as { id: unknown; error: { code: number; message: string } };
    assert.equal(answer.error.code, -32600);
    assert.match(answer.error.message, /batch of 5000 requests; at most 256 run at once per connection/);
    c.socket.destroy();
    await sleep(2000);
    assert.deepEqual(allManaged(fb, prefix), before0, "a batch member started a server");
    await health();
  });
});
