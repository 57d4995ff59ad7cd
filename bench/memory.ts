/**
 * Memory per server: a fresh `mcks serve` (the product binary) taken from 0 to 250, 500, 1000
 * and 2000 running servers (each step started concurrently), with RSS (/proc) and the V8 heap
 * (the daemon's `health` answer) read once they have settled at each level. The slope is the
 * least-squares line of RSS over servers, in MiB per 1000 servers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RpcClient } from "../src/rpc/client.ts";
import type { ServerState } from "../src/rpc/protocol.ts";
import { rssMiB } from "./percentile.ts";

export interface MemoryLevel {
  /** The level asked for. */
  readonly servers: number;
  /** Servers the daemon tracks (fewer when starts failed). */
  readonly daemonServers: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
}

export interface MemoryResult {
  readonly levels: readonly MemoryLevel[];
  /** Least-squares slope of RSS over servers. */
  readonly slopeMiBPer1000: number;
  /** The same for the used V8 heap. */
  readonly heapSlopeMiBPer1000: number;
  readonly failures: readonly string[];
  /** Who ran, for stopping them again. */
  readonly started: ReadonlyArray<{ user: string; state: ServerState }>;
}

const MiB = 2 ** 20;

export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * RSS once it has settled: the daemon collects the garbage of a burst only once it has been idle
 * a few seconds (src/serve/idle-gc.ts). Sampled every 5 s for at least 20 s, then until two
 * samples in a row are within 1 MiB, at most `maxS`.
 */
async function settled(pid: number, client: RpcClient, maxS: number, servers: number): Promise<MemoryLevel & { trail: string }> {
  const end = Date.now() + maxS * 1000;
  let last = await rssMiB(pid);
  const trail = [last.toFixed(0)];
  while (Date.now() < end) {
    await sleep(5000);
    const now = await rssMiB(pid);
    trail.push(now.toFixed(0));
    const stable = Math.abs(now - last) < 1 && trail.length >= 5;
    last = now;
    if (stable) break;
  }
  const h = await client.call("health", {});
  const d = h.daemon;
  if (!d) throw new Error("the daemon's health answer has no memory figures (an older binary?)");
  return { servers, daemonServers: d.servers, rssMiB: Number(last.toFixed(1)), heapUsedMiB: Number((d.heapUsedBytes / MiB).toFixed(1)), heapTotalMiB: Number((d.heapTotalBytes / MiB).toFixed(1)), externalMiB: Number((d.externalBytes / MiB).toFixed(1)), trail: trail.join(" ") };
}

export async function memoryLadder(opts: {
  pid: number;
  clients: readonly RpcClient[];
  levels: readonly number[];
  profileOf: (i: number) => string;
  settleSeconds: number;
  log: (m: string) => void;
}): Promise<MemoryResult> {
  const { pid, clients, log } = opts;
  const levels: MemoryLevel[] = [];
  const failures: string[] = [];
  const started: Array<{ user: string; state: ServerState }> = [];
  let running = 0;
  for (const target of opts.levels) {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: target - running }, async (_, k) => {
        const i = running + k;
        const user = { name: `mem-u${i}` };
        try {
          const r = await clients[i % clients.length]!.call("server.start", { user, server: "", profile: opts.profileOf(i), options: {}, env: {} }, { timeoutMs: 0 });
          started.push({ user: user.name, state: r.state });
        } catch (e) {
          failures.push(`${user.name}: ${(e as Error).message}`);
        }
      }),
    );
    const startS = (performance.now() - t0) / 1000;
    running = target;
    const level = await settled(pid, clients[0]!, opts.settleSeconds, target);
    if (level.daemonServers !== started.length) failures.push(`the daemon tracks ${level.daemonServers} servers at level ${target}, ${started.length} started`);
    const { trail, ...rest } = level;
    levels.push(rest);
    log(`${target} running (started in ${startS.toFixed(1)} s): RSS ${rest.rssMiB} MiB (every 5 s: ${trail}), V8 heap used ${rest.heapUsedMiB} / total ${rest.heapTotalMiB} MiB, external ${rest.externalMiB} MiB`);
  }
  const xs = levels.map((l) => l.daemonServers);
  return {
    levels,
    slopeMiBPer1000: Number((slope(xs, levels.map((l) => l.rssMiB)) * 1000).toFixed(1)),
    heapSlopeMiBPer1000: Number((slope(xs, levels.map((l) => l.heapUsedMiB)) * 1000).toFixed(1)),
    failures,
    started,
  };
}
