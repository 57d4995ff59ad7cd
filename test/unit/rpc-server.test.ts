/**
 * The daemon's socket, over real Unix sockets in a temp dir: permissions, stale/live
 * sockets, framing errors, JSON-RPC errors, concurrency, notifications, cancellation, close.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, mkdtemp, rm, stat, writeFile, readFile } from "node:fs/promises";
import { createConnection } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { TestContext } from "node:test";
import { ConfidentialError, UserError } from "../../src/errors.ts";
import { connect, RpcCallError } from "../../src/rpc/client.ts";
import type { MethodHandler, RequestContext } from "../../src/rpc/dispatch.ts";
import { ErrorCode } from "../../src/rpc/errors.ts";
import { createLineSplitter } from "../../src/rpc/framing.ts";
import type { RpcLog } from "../../src/rpc/log.ts";
import { PROGRESS, sendProgress } from "../../src/rpc/protocol.ts";
import type { Handlers, ProgressParams } from "../../src/rpc/protocol.ts";
import { listen, listenMethods } from "../../src/rpc/server.ts";
import type { RpcServer } from "../../src/rpc/server.ts";
import { until } from "./wait.ts";

type Message = Record<string, unknown> & { id?: unknown; error?: { code: number; message: string; data?: unknown } };

async function socketPathIn(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mcks-rpc-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "mcks.sock");
}

function recordingLog() {
  const lines = { warn: [] as string[], error: [] as string[], errorCauses: [] as unknown[] };
  const log: RpcLog = {
    debug() {},
    info() {},
    warn: (m) => lines.warn.push(m),
    error: (m, err) => {
      lines.error.push(m);
      lines.errorCauses.push(err);
    },
  };
  return { log, lines };
}

/** A connection that sends raw bytes and reads the daemon's lines one by one. */
async function openRaw(path: string) {
  const socket: Socket = createConnection(path);
  await once(socket, "connect");
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  const splitter = createLineSplitter({
    maxLineBytes: 64 << 20,
    onLine: (line) => {
      queue.push(JSON.parse(line) as Message);
      wake?.();
    },
    onOversized: () => assert.fail("the daemon sent an oversized line"),
  });
  socket.on("data", (chunk: Buffer) => splitter.push(chunk));
  socket.on("error", () => {});
  return {
    socket,
    send(data: string | Buffer) {
      socket.write(data);
    },
    /** The next message matching `pred` (others received before it are skipped). */
    async next(pred: (m: Message) => boolean = () => true, timeoutMs = 5000): Promise<Message> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex(pred);
        if (i >= 0) return queue.splice(i, 1)[0] as Message;
        const left = deadline - Date.now();
        if (left <= 0) assert.fail(`no matching message from the daemon within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    received: queue,
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A method "block" that waits until release(), counting how many run at once. */
function blockingMethods() {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const state = {
    running: 0,
    peak: 0,
    release: () => release(),
    methods: new Map<string, MethodHandler>([
      ["block", async () => {
        state.running += 1;
        state.peak = Math.max(state.peak, state.running);
        await gate;
        state.running -= 1;
        return "ok";
      }],
    ]),
  };
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const state = { cluster: "eu", namespace: "jhub", key: "jupyter-zoe", profile: "small" };

function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    health: () => ({ version: "test", clusters: { eu: { reachable: true } } }),
    "profiles.list": () => [],
    "server.start": async ({ user, server }, ctx) => {
      for (const [progress, message] of [[10, "scheduled"], [50, "pulling image"], [90, "started"]] as const) {
        sendProgress(ctx, { user: user.name, server, event: { progress, message } });
        await sleep(5);
      }
      return { url: `http://eu.example/user/${user.name}/`, state };
    },
    "server.poll": ({ state: s }) => ({ status: s ? null : 0 }),
    "server.stop": () => ({}),
    "server.delete": () => ({}),
    "servers.list": () => ({ servers: [], clusters: {} }),
    ...overrides,
  };
}

async function start(t: TestContext, server: Promise<RpcServer>): Promise<RpcServer> {
  const s = await server;
  t.after(() => s.close({ timeoutMs: 500 }));
  return s;
}

describe("rpc server: the socket file", () => {
  it("creates the socket with mode 0600 by default and 0660 when asked", async (t) => {
    const path = await socketPathIn(t);
    const s = await listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await s.close();
    await assert.rejects(lstat(path), { code: "ENOENT" }, "close removes the socket file");
    const g = await start(t, listen({ socketPath: path, mode: 0o660, handlers: fakeHandlers(), log: recordingLog().log }));
    assert.equal((await stat(path)).mode & 0o777, 0o660);
    await g.close();
  });

  it("refuses a mode that lets other users in", async (t) => {
    const path = await socketPathIn(t);
    await assert.rejects(listen({ socketPath: path, mode: 0o666, handlers: fakeHandlers() }), UserError);
    await assert.rejects(lstat(path), { code: "ENOENT" });
  });

  it("replaces a stale socket left by a killed daemon", async (t) => {
    const path = await socketPathIn(t);
    const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`]);
    await once(child.stdout, "data");
    child.kill("SIGKILL");
    await once(child, "exit");
    assert.ok((await lstat(path)).isSocket(), "the killed process left its socket file behind");
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const client = await connect(path);
    assert.equal((await client.call("health", {})).version, "test");
    await client.close();
  });

  it("refuses to start while another daemon listens, and leaves it working", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    await assert.rejects(
      listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }),
      (err: unknown) => err instanceof UserError && /is listening on/.test(err.message),
    );
    const client = await connect(path);
    assert.equal((await client.call("health", {})).version, "test");
    await client.close();
  });

  it("refuses a path that is a regular file, without touching it", async (t) => {
    const path = await socketPathIn(t);
    await writeFile(path, "precious");
    await assert.rejects(listen({ socketPath: path, handlers: fakeHandlers() }), /is not a socket/);
    assert.equal(await readFile(path, "utf8"), "precious");
  });

  it("makes a missing last folder (0755), and says which directory is missing above it", async (t) => {
    const made = join(await socketPathIn(t), "..", "sock", "mcks.sock");
    const s = await listen({ socketPath: made, handlers: fakeHandlers(), log: recordingLog().log });
    assert.equal((await stat(join(made, ".."))).mode & 0o7777, 0o755);
    await s.close();
    const path = join(await socketPathIn(t), "..", "no-such-dir", "sub", "mcks.sock");
    await assert.rejects(listen({ socketPath: path, handlers: fakeHandlers() }), /cannot create the socket in .*no-such-dir/);
  });
});

describe("rpc server: JSON-RPC", () => {
  it("answers concurrent requests on one connection as each finishes", async (t) => {
    const path = await socketPathIn(t);
    const methods = new Map<string, MethodHandler>([
      ["sleep", async (p) => {
        const ms = (p as { ms: number }).ms;
        await sleep(ms);
        return ms;
      }],
    ]);
    await start(t, listenMethods({ socketPath: path, methods, log: recordingLog().log }));
    const raw = await openRaw(path);
    raw.send('{"jsonrpc":"2.0","id":"slow","method":"sleep","params":{"ms":300}}\n');
    raw.send('{"jsonrpc":"2.0","id":"fast","method":"sleep","params":{"ms":10}}\n');
    const first = await raw.next();
    const second = await raw.next();
    assert.deepEqual([first.id, second.id], ["fast", "slow"]);
    assert.equal(second.result, 300);
    raw.socket.destroy();
  });

  it("sends server.progress notifications on the requesting connection only", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const seen: ProgressParams[] = [];
    const bystanderSaw: string[] = [];
    const client = await connect(path, {
      onNotification: (method, params) => {
        assert.equal(method, PROGRESS);
        seen.push(params as ProgressParams);
      },
    });
    const bystander = await connect(path, { onNotification: (m) => bystanderSaw.push(m) });
    const result = await client.call("server.start", { user: { name: "zoë" }, profile: "small" });
    assert.equal(result.url, "http://eu.example/user/zoë/");
    assert.deepEqual(result.state, state);
    assert.deepEqual(
      seen.map((p) => [p.user, p.server, p.event.progress, p.event.message]),
      [["zoë", "", 10, "scheduled"], ["zoë", "", 50, "pulling image"], ["zoë", "", 90, "started"]],
      "every event arrived before the result",
    );
    await bystander.call("health", {});
    assert.deepEqual(bystanderSaw, []);
    await client.close();
    await bystander.close();
  });

  it("rejects a message over 1 MiB with -32600 and keeps the connection", async (t) => {
    const path = await socketPathIn(t);
    const { log } = recordingLog();
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log }));
    const raw = await openRaw(path);
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health", params: { pad: "x".repeat(1024 * 1024) } });
    for (let at = 0; at < big.length; at += 100_000) raw.send(big.slice(at, at + 100_000));
    raw.send("\n");
    const err = await raw.next();
    assert.equal(err.id, null);
    assert.equal(err.error?.code, ErrorCode.InvalidRequest);
    assert.match(err.error?.message ?? "", /larger than 1048576 bytes/);
    raw.send('{"jsonrpc":"2.0","id":2,"method":"health"}\n');
    const ok = await raw.next();
    assert.equal(ok.id, 2);
    assert.deepEqual(ok.result, { version: "test", clusters: { eu: { reachable: true } } });
    raw.socket.destroy();
  });

  it("maps bad input to the JSON-RPC error codes, one answer per line", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const raw = await openRaw(path);
    const cases: [string, number, unknown, RegExp][] = [
      ['{"jsonrpc":"2.0","id":1,"method":"health"', ErrorCode.ParseError, null, /not valid JSON/],
      ["\u00ff\u00fe garbage", ErrorCode.ParseError, null, /not valid JSON/],
      ['{"jsonrpc":"2.0","id":2,"method":"server.launch","params":{}}', ErrorCode.MethodNotFound, 2, /unknown method "server.launch"; known methods: health, profiles.list/],
      ['{"jsonrpc":"1.0","id":3,"method":"health"}', ErrorCode.InvalidRequest, 3, /jsonrpc: expected "2.0"/],
      ['{"jsonrpc":"2.0","id":4,"method":7}', ErrorCode.InvalidRequest, 4, /method: expected a string/],
      ['{"jsonrpc":"2.0","id":{"x":1},"method":"health"}', ErrorCode.InvalidRequest, null, /id: expected a string or a number/],
      ['{"jsonrpc":"2.0","id":5,"method":"health","params":"x"}', ErrorCode.InvalidRequest, 5, /params: expected an object/],
      ["42", ErrorCode.InvalidRequest, null, /expected a JSON object/],
      ["[]", ErrorCode.InvalidRequest, null, /empty batch/],
      ['{"jsonrpc":"2.0","id":6,"method":"server.start","params":{"user":{"name":3}}}', ErrorCode.InvalidParams, 6, /^params\.user\.name: expected a string, got number 3$/],
      ['{"jsonrpc":"2.0","id":7,"method":"server.poll","params":{"user":{"name":"a"},"state":{"cluster":"eu"}}}', ErrorCode.InvalidParams, 7, /params\.state\.namespace: is required/],
    ];
    for (const [line, code, id, message] of cases) {
      raw.send(`${line}\n`);
      const answer = await raw.next();
      assert.equal(answer.error?.code, code, line);
      assert.equal(answer.id, id, line);
      assert.match(answer.error?.message ?? "", message, line);
      assert.equal(Object.hasOwn(answer, "result"), false);
    }
    // Notifications get no answer, even for unknown methods; the next request proves the order.
    raw.send('{"jsonrpc":"2.0","method":"nope"}\n{"jsonrpc":"2.0","method":"health"}\n{"jsonrpc":"2.0","id":8,"method":"health"}\n');
    assert.equal((await raw.next()).id, 8);
    assert.equal(raw.received.length, 0);
    raw.socket.destroy();
  });

  it("answers a batch with an array, leaving out notifications", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const raw = await openRaw(path);
    raw.send(
      `${JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "health" },
        { jsonrpc: "2.0", method: "health" },
        { jsonrpc: "2.0", id: 2, method: "server.poll", params: { user: { name: "a" }, state } },
        { jsonrpc: "2.0", id: 3, method: "nope" },
      ])}\n`,
    );
    const answer = (await raw.next(() => true)) as unknown as Message[];
    assert.ok(Array.isArray(answer));
    assert.deepEqual(answer.map((a) => a.id), [1, 2, 3]);
    assert.deepEqual(answer[1]?.result, { status: null });
    assert.equal(answer[2]?.error?.code, ErrorCode.MethodNotFound);
    raw.socket.destroy();
  });

  it("sends a UserError's message, and only a generic one for a bug (logged with its stack)", async (t) => {
    const path = await socketPathIn(t);
    const { log, lines } = recordingLog();
    const handlers = fakeHandlers({
      "server.start": () => {
        throw new UserError('profile "huge" does not exist; choose one of: small, gpu');
      },
      "server.stop": () => {
        throw new TypeError("cannot read properties of undefined (token=hunter2)");
      },
    });
    await start(t, listen({ socketPath: path, handlers, log }));
    const client = await connect(path);
    await assert.rejects(client.call("server.start", { user: { name: "a" }, profile: "huge" }), (err: unknown) => {
      assert.ok(err instanceof RpcCallError);
      assert.equal(err.code, ErrorCode.Failed);
      assert.equal(err.message, 'profile "huge" does not exist; choose one of: small, gpu');
      return true;
    });
    await assert.rejects(client.call("server.stop", { user: { name: "a" }, state }), (err: unknown) => {
      assert.ok(err instanceof RpcCallError);
      assert.equal(err.code, ErrorCode.Internal);
      assert.match(err.message, /^internal error in mcks while handling server.stop \(daemon log reference mcks-[0-9a-f]{8}\)$/);
      assert.doesNotMatch(JSON.stringify(err.data ?? null), /hunter2/);
      return true;
    });
    assert.equal(lines.error.length, 1);
    assert.match(String((lines.errorCauses[0] as Error).stack), /hunter2/);
    await client.close();
  });

  it("sends only the public part of a confidential failure, with a reference the log has the details under", async (t) => {
    const path = await socketPathIn(t);
    const { log, lines } = recordingLog();
    const handlers = fakeHandlers({
      "server.start": () => {
        const inner = new ConfidentialError("exec plugin said: account 123456789012, key AKIAEXAMPLE", "no credentials for the cluster");
        throw new UserError("start of jupyter-a failed: exec plugin said: account 123456789012, key AKIAEXAMPLE", [], { cause: inner });
      },
    });
    await start(t, listen({ socketPath: path, handlers, log }));
    const client = await connect(path);
    await assert.rejects(client.call("server.start", { user: { name: "a" } }), (err: unknown) => {
      assert.ok(err instanceof RpcCallError);
      assert.equal(err.code, ErrorCode.Failed);
      assert.match(err.message, /^no credentials for the cluster \(reference (mcks-[0-9a-f]{8})\)$/);
      assert.doesNotMatch(JSON.stringify(err.data), /123456789012|AKIA/);
      const ref = /reference (mcks-[0-9a-f]{8})/.exec(err.message)![1]!;
      assert.ok(lines.warn.some((l) => l.includes(ref) && l.includes("123456789012")), "the log has the details under the reference");
      return true;
    });
    await client.close();
  });

  it("still answers a client that sent its requests and shut down writing", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const raw = await openRaw(path);
    raw.socket.end('{"jsonrpc":"2.0","id":1,"method":"server.start","params":{"user":{"name":"a"}}}\n');
    const answers: Message[] = [];
    for (let i = 0; i < 4; i++) answers.push(await raw.next());
    assert.deepEqual(answers.map((a) => a.method ?? a.id), [PROGRESS, PROGRESS, PROGRESS, 1]);
    await once(raw.socket, "close");
  });
});

describe("rpc server: connections", () => {
  it("aborts a handler's signal when its client disconnects", async (t) => {
    const path = await socketPathIn(t);
    const started = deferred<void>();
    const aborted = deferred<unknown>();
    const methods = new Map<string, MethodHandler>([
      ["hang", (_p, ctx: RequestContext) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted.resolve(ctx.signal.reason);
            resolve(null);
          });
          started.resolve();
        })],
    ]);
    const server = await start(t, listenMethods({ socketPath: path, methods, log: recordingLog().log }));
    const raw = await openRaw(path);
    raw.send('{"jsonrpc":"2.0","id":1,"method":"hang"}\n');
    await started.promise;
    raw.socket.destroy();
    const reason = await Promise.race([aborted.promise, sleep(2000).then(() => "timeout")]);
    assert.ok(reason instanceof Error, `signal not aborted: ${String(reason)}`);
    assert.match(reason.message, /closed the connection/);
    while (server.connectionCount > 0) await sleep(5);
  });

  it("serves 200 parallel connections", async (t) => {
    const path = await socketPathIn(t);
    const server = await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log }));
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect(path)));
    const results = await Promise.all(
      clients.map((c, i) => c.call("server.poll", { user: { name: `u${i}` }, state }, { timeoutMs: 10_000 })),
    );
    assert.deepEqual(results, Array.from({ length: 200 }, () => ({ status: null })));
    assert.equal(server.connectionCount, 200);
    await Promise.all(clients.map((c) => c.close()));
    while (server.connectionCount > 0) await sleep(5);
  });

  it("finishes running requests on close, refuses new ones, and removes the socket", async (t) => {
    const path = await socketPathIn(t);
    const started = deferred<void>();
    const methods = new Map<string, MethodHandler>([
      ["slow", async () => {
        started.resolve();
        await sleep(200);
        return "done";
      }],
      ["fast", () => "fast"],
    ]);
    const server = await listenMethods({ socketPath: path, methods, log: recordingLog().log });
    const raw = await openRaw(path);
    raw.send('{"jsonrpc":"2.0","id":1,"method":"slow"}\n');
    await started.promise;
    const closing = server.close({ timeoutMs: 5000 });
    await sleep(20);
    raw.send('{"jsonrpc":"2.0","id":2,"method":"fast"}\n');
    const refused = await raw.next((m) => m.id === 2);
    assert.equal(refused.error?.code, ErrorCode.ShuttingDown);
    assert.equal((await raw.next((m) => m.id === 1)).result, "done");
    await closing;
    await assert.rejects(lstat(path), { code: "ENOENT" });
    await assert.rejects(connect(path), (err: unknown) => err instanceof UserError && /cannot connect to mcks at .*ENOENT.*is "mcks serve/.test(err.message));
  });

  it("cuts requests that outlive the close timeout, aborting their signal", async (t) => {
    const path = await socketPathIn(t);
    const aborted = deferred<void>();
    const methods = new Map<string, MethodHandler>([
      ["forever", (_p, ctx: RequestContext) => new Promise(() => ctx.signal.addEventListener("abort", () => aborted.resolve()))],
    ]);
    const server = await listenMethods({ socketPath: path, methods, log: recordingLog().log });
    const client = await connect(path);
    const call = client.request("forever");
    await sleep(20);
    const t0 = Date.now();
    await server.close({ timeoutMs: 100 });
    assert.ok(Date.now() - t0 < 2000);
    await aborted.promise;
    await assert.rejects(call, /closed before it answered forever/);
  });

  it("runs at most maxInflightPerConnection requests of one connection at a time", async (t) => {
    const path = await socketPathIn(t);
    const b = blockingMethods();
    const methods = b.methods;
    await start(t, listenMethods({ socketPath: path, methods, log: recordingLog().log, maxInflightPerConnection: 2 }));
    const raw = await openRaw(path);
    // All five in one write, so they arrive in one chunk.
    raw.send(Array.from({ length: 5 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"block"}\n`).join(""));
    await until(() => b.running === 2, "two requests running");
    await sleep(100);
    assert.equal(b.running, 2);
    b.release();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await raw.next()).id);
    assert.deepEqual([...ids].sort(), [0, 1, 2, 3, 4]);
    assert.equal(b.peak, 2);
    raw.socket.destroy();
  });

  it("counts each batch member against maxInflightPerConnection and refuses a batch larger than it", async (t) => {
    const path = await socketPathIn(t);
    const b = blockingMethods();
    const methods = b.methods;
    await start(t, listenMethods({ socketPath: path, methods, log: recordingLog().log, maxInflightPerConnection: 4 }));
    const raw = await openRaw(path);
    const call = (id: number) => ({ jsonrpc: "2.0", id, method: "block" });
    raw.send(`${JSON.stringify([call(1), call(2), call(3)])}\n${JSON.stringify([call(4), call(5)])}\n${JSON.stringify(Array.from({ length: 5 }, (_, i) => call(10 + i)))}\n`);
    const refused = await raw.next((m) => m.id === null);
    assert.equal(refused.error?.code, ErrorCode.InvalidRequest);
    assert.match(refused.error?.message ?? "", /batch of 5 requests; at most 4 run at once/);
    await until(() => b.running === 3, "the first batch running");
    await sleep(100);
    assert.equal(b.running, 3, "the second batch (2 members) waits: 3 + 2 is over the cap of 4");
    b.release();
    await raw.next((m) => Array.isArray(m));
    await raw.next((m) => Array.isArray(m));
    assert.equal(b.peak, 3);
    raw.socket.destroy();
  });

  it("refuses connections over maxConnections with a clear error, and takes new ones once others close", async (t) => {
    const path = await socketPathIn(t);
    const { log, lines } = recordingLog();
    const server = await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log, maxConnections: 3 }));
    const held = await Promise.all([1, 2, 3].map(() => openRaw(path)));
    const extra = await openRaw(path);
    const refusal = await extra.next();
    assert.equal(refusal.error?.code, ErrorCode.Failed);
    assert.match(refusal.error?.message ?? "", /mcks is busy: 3 connections are open/);
    await once(extra.socket, "close");
    assert.ok(lines.warn.some((l) => /refusing connections/.test(l)));
    held[0]!.socket.destroy();
    await until(() => server.connectionCount < 3, "the server saw the close");
    const client = await connect(path);
    assert.equal((await client.call("health", {})).version, "test");
    await client.close();
    for (const h of held) h.socket.destroy();
  });

  it("closes a connection whose line does not end within lineTimeoutMs, even if bytes trickle in", async (t) => {
    const path = await socketPathIn(t);
    // 1 s: room for the second connection below to finish its line on a loaded machine.
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log, lineTimeoutMs: 1000 }));
    const raw = await openRaw(path);
    raw.send('{"jsonrpc":"2.0","id":1,');
    const trickle = setInterval(() => raw.send(" "), 50);
    t.after(() => clearInterval(trickle));
    const msg = await raw.next(() => true, 10_000);
    assert.match(msg.error?.message ?? "", /no complete line within 1 s/);
    await once(raw.socket, "close");
    clearInterval(trickle);
    // A connection that finishes its lines in time is not touched.
    const ok = await openRaw(path);
    ok.send('{"jsonrpc":"2.0","id":2,');
    await sleep(100);
    ok.send('"method":"health"}\n');
    assert.equal((await ok.next()).id, 2);
    await sleep(1500);
    assert.equal(ok.socket.destroyed, false);
    ok.socket.destroy();
  });

  it("closes the connection that takes unfinished lines over maxBufferedBytes, keeping the others", async (t) => {
    const path = await socketPathIn(t);
    await start(t, listen({ socketPath: path, handlers: fakeHandlers(), log: recordingLog().log, maxBufferedBytes: 100_000 }));
    const a = await openRaw(path);
    a.send(`{"jsonrpc":"2.0","id":1,"method":"health","params":{"pad":"${"x".repeat(60_000)}`);
    await sleep(50);
    const b = await openRaw(path);
    b.send(`{"jsonrpc":"2.0","id":2,"method":"health","params":{"pad":"${"x".repeat(60_000)}`);
    // The one whose bytes the server reads second goes over the budget: b, unless this process
    // stalled and the server read b's first.
    await until(() => a.received.length + b.received.length > 0, "a refusal");
    const [refused, kept, id] = b.received.length > 0 ? [b, a, 1] : [a, b, 2];
    const refusal = await refused.next();
    assert.match(refusal.error?.message ?? "", /too many unfinished messages/);
    // It may have closed while we polled.
    if (!refused.socket.closed) await once(refused.socket, "close");
    kept.send('"}}\n');
    assert.equal((await kept.next()).id, id, "the other connection keeps its line");
    kept.socket.destroy();
  });

  it("client: a call times out without breaking the connection", async (t) => {
    const path = await socketPathIn(t);
    const methods = new Map<string, MethodHandler>([
      ["slow", () => sleep(300).then(() => "late")],
      ["fast", () => "fast"],
    ]);
    await start(t, listenMethods({ socketPath: path, methods, log: recordingLog().log }));
    const client = await connect(path);
    await assert.rejects(client.request("slow", undefined, { timeoutMs: 50 }), /no answer from mcks within 50 ms/);
    assert.equal(await client.request("fast"), "fast");
    await sleep(300); // the late answer arrives and is dropped quietly
    assert.equal(await client.request("fast"), "fast");
    await assert.rejects(client.request("fast", { pad: "x".repeat(1024 * 1024) }), /over the 1048576-byte limit/);
    await client.close();
  });
});
