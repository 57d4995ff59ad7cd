/**
 * Round trips per second over the daemon's socket: `npm run bench:rpc`.
 *
 * The server runs in a child process (as `mcks serve` would, apart from the hub), serving
 * `health` and `server.poll` through the real listen()/protocol stack; the client is
 * src/rpc/client.ts. `--compare` also runs json-rpc-2.0's JSONRPCServer on the same
 * framing, the library measured before the dispatcher was hand-written.
 *
 *   node bench/rpc.ts [--compare] [--seconds N] [--runs N]
 *
 * The json-rpc-2.0 variant validates no params and has no back-pressure or per-connection
 * context: it is the floor the hand-written dispatcher is compared with.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JSONRPCServer } from "json-rpc-2.0";
import { connect } from "../src/rpc/client.ts";
import type { RpcClient } from "../src/rpc/client.ts";
import { createLineSplitter } from "../src/rpc/framing.ts";
import { silentLog } from "../src/rpc/log.ts";
import type { Handlers } from "../src/rpc/protocol.ts";
import { listen } from "../src/rpc/server.ts";

type Impl = "mcks" | "json-rpc-2.0";

const health = { version: "bench", clusters: { eu: { reachable: true }, us: { reachable: true } } };
const state = { cluster: "eu", namespace: "jhub", key: "jupyter-bench", profile: "small" };
const pollParams = { user: { name: "bench", groups: ["staff"] }, server: "", state };

async function serveChild(impl: Impl, socketPath: string): Promise<void> {
  if (impl === "mcks") {
    const handlers: Handlers = {
      health: () => health,
      "profiles.list": () => [],
      "server.start": () => ({ url: "http://x/", state }),
      "server.poll": () => ({ status: null }),
      "server.stop": () => ({}),
      "server.delete": () => ({}),
      "servers.list": () => ({ servers: [], clusters: {} }),
    };
    await listen({ socketPath, handlers, log: silentLog });
  } else {
    // json-rpc-2.0 with the same newline framing; no param validation (it has none).
    const rpc = new JSONRPCServer();
    rpc.addMethod("health", () => health);
    rpc.addMethod("server.poll", () => ({ status: null }));
    const server = createServer((socket) => {
      const splitter = createLineSplitter({
        onLine: (line) => {
          void rpc.receiveJSON(line).then((res) => {
            if (res !== null) socket.write(`${JSON.stringify(res)}\n`);
          });
        },
        onOversized: () => socket.destroy(),
      });
      socket.on("data", (c: Buffer) => splitter.push(c));
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  }
  process.send?.("ready");
}

/** Sequential calls on each client for `seconds`; returns round trips per second. */
async function measure(clients: RpcClient[], seconds: number, inflightPerClient: number, method: "health" | "server.poll"): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  const worker = async (client: RpcClient): Promise<void> => {
    while (performance.now() < deadline) {
      if (method === "health") await client.call("health", {});
      else await client.call("server.poll", pollParams);
      done += 1;
    }
  };
  await Promise.all(clients.flatMap((c) => Array.from({ length: inflightPerClient }, () => worker(c))));
  return done / ((performance.now() - t0) / 1000);
}

async function runImpl(impl: Impl, seconds: number, runs: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mcks-bench-"));
  const socketPath = join(dir, "mcks.sock");
  const child: ChildProcess = fork(import.meta.filename, ["--serve", impl, socketPath], { stdio: "inherit" });
  try {
    const [msg] = (await once(child, "message")) as [unknown];
    if (msg !== "ready") throw new Error(`bench server said ${String(msg)}`);
    const one = await connect(socketPath);
    const ten = await Promise.all(Array.from({ length: 10 }, () => connect(socketPath)));
    await measure([one], 0.5, 1, "health"); // warm-up (JIT)
    const rows: [string, () => Promise<number>][] = [
      ["health, 1 connection, 1 in flight", () => measure([one], seconds, 1, "health")],
      ["server.poll, 1 connection, 1 in flight", () => measure([one], seconds, 1, "server.poll")],
      ["health, 1 connection, 16 in flight", () => measure([one], seconds, 16, "health")],
      ["health, 10 connections, 1 in flight each", () => measure(ten, seconds, 1, "health")],
    ];
    for (const [what, run] of rows) {
      const rates: number[] = [];
      for (let i = 0; i < runs; i++) rates.push(await run());
      rates.sort((a, b) => a - b);
      const best = Math.round(rates[rates.length - 1] ?? 0);
      const median = Math.round(rates[Math.floor(rates.length / 2)] ?? 0);
      console.log(`${impl.padEnd(13)} ${what.padEnd(42)} best ${String(best).padStart(6)}  median ${String(median).padStart(6)} round trips/s`);
    }
    await Promise.all([one, ...ten].map((c) => c.close()));
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === "--serve") {
  await serveChild(args[1] as Impl, args[2] ?? "");
} else {
  const flag = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const seconds = flag("--seconds", 1);
  const runs = flag("--runs", 5);
  console.log(`node ${process.version}, ${runs} runs of ${seconds} s per row (best and median: the machine is shared), server in a child process`);
  await runImpl("mcks", seconds, runs);
  if (args.includes("--compare")) await runImpl("json-rpc-2.0", seconds, runs);
}
