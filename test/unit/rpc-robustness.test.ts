/**
 * The daemon survives whatever arrives on its socket: random bytes, partial lines, abrupt
 * closes, thousands of connections, a client that never reads. Real Unix sockets.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { TestContext } from "node:test";
import fc from "fast-check";
import { connect } from "../../src/rpc/client.ts";
import type { MethodHandler } from "../../src/rpc/dispatch.ts";
import { silentLog } from "../../src/rpc/log.ts";
import { listenMethods } from "../../src/rpc/server.ts";
import type { RpcServer } from "../../src/rpc/server.ts";

let pings = 0;
const methods = new Map<string, MethodHandler>([
  ["ping", () => {
    pings += 1;
    return "pong";
  }],
]);

async function serve(t: TestContext): Promise<{ path: string; server: RpcServer }> {
  const dir = await mkdtemp(join(tmpdir(), "mcks-rpc-"));
  const path = join(dir, "mcks.sock");
  const server = await listenMethods({ socketPath: path, methods, log: silentLog });
  t.after(async () => {
    await server.close({ timeoutMs: 500 });
    await rm(dir, { recursive: true, force: true });
  });
  return { path, server };
}

async function rawSocket(path: string): Promise<Socket> {
  const socket = createConnection(path);
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** Resolves with the first line containing `needle`. */
function lineContaining(socket: Socket, needle: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no line with ${needle} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const line = text.split("\n").find((l) => l.includes(needle));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

async function stillServes(path: string): Promise<void> {
  const client = await connect(path, { timeoutMs: 5000 });
  assert.equal(await client.request("ping"), "pong");
  await client.close();
}

async function drained(server: RpcServer): Promise<void> {
  const deadline = Date.now() + 5000;
  while (server.connectionCount > 0) {
    assert.ok(Date.now() < deadline, `${server.connectionCount} connections still open`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const probe = '\n{"jsonrpc":"2.0","id":"probe","method":"ping"}\n';

describe("rpc server robustness", () => {
  it("answers a request after random bytes on the same connection", async (t) => {
    const { path, server } = await serve(t);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (garbage) => {
        const socket = await rawSocket(path);
        const answer = lineContaining(socket, '"probe"');
        socket.write(garbage);
        socket.write(probe);
        assert.equal(JSON.parse(await answer).result, "pong");
        socket.destroy();
      }),
      { numRuns: 100 },
    );
    await stillServes(path);
    await drained(server);
  });

  it("survives 2000 connections cut mid-line", async (t) => {
    const { path, server } = await serve(t);
    const fragments = ['{"jsonrpc":"2.0","id":1,"meth', '{"jsonrpc":"2.0","id":1,"method":"ping"}', "\u00ff\u0000\n{", ""];
    for (let batch = 0; batch < 10; batch++) {
      const sockets = await Promise.all(Array.from({ length: 200 }, () => rawSocket(path)));
      sockets.forEach((s, i) => {
        s.resume(); // read (and drop) the answers, or a polite close never completes
        s.write(fragments[i % fragments.length] ?? "");
        // Half reset abruptly, half close politely.
        if (i % 2 === 0) s.destroy();
        else s.end();
      });
      await Promise.all(sockets.map((s) => (s.closed ? undefined : once(s, "close"))));
    }
    await stillServes(path);
    await drained(server);
  });

  it("keeps serving others while a client floods requests and never reads", async (t) => {
    const { path, server } = await serve(t);
    const flooder = await rawSocket(path);
    flooder.pause();
    const request = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}\n'.repeat(1000));
    // 500k requests (~20 MB), queued on our side whatever the daemon does.
    pings = 0;
    for (let i = 0; i < 500; i++) flooder.write(request);
    const t0 = Date.now();
    await stillServes(path);
    // Without back-pressure it would first answer the whole flood (~20 s at ~50k per 2 s).
    assert.ok(Date.now() - t0 < 10_000, `the daemon took ${Date.now() - t0} ms to answer someone else`);
    // Its answers are unread, so the daemon must stop reading (and answering) instead of
    // piling answers up in memory; without that it answers ~50k in 2 s here (5-6k with it: the kernel buffers).
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(pings < 20_000, `the daemon kept answering a client that does not read: ${pings} answers`);
    flooder.destroy();
    await drained(server);
  });
});
