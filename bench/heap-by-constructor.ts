/**
 * What holds the daemon's memory per server: `mcks serve` from source (same code as the binary,
 * with its V8 flags and --heapsnapshot-signal) on the bed, a heap snapshot with no servers and one
 * with N running, and the difference per constructor (count and self size), largest first.
 *
 *   node bench/heap-by-constructor.ts [--servers 1000] [--top 25]
 *
 * Uses the bed selected by MCKS_TESTBED_DIR / MCKS_TESTBED_PORT_OFFSET (3 clusters).
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { ServerState } from "../src/rpc/protocol.ts";
import { ensureBed } from "../test/testbed/bed.ts";
import * as L from "../test/testbed/layout.ts";
import { startServe } from "../test/integration/serve-fixture.ts";
import { profileSlug, writeBurstConfig } from "./burst-config.ts";

const { values } = parseArgs({ options: { servers: { type: "string", default: "1000" }, top: { type: "string", default: "25" } } });
const N = Number(values.servers);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per "type:name" (objects by constructor name). */
export function byConstructor(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf("type"), f.indexOf("name"), f.indexOf("self_size")];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === "object" || type === "closure" ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const k = `${name}`;
    const e = out.get(k) ?? { count: 0, bytes: 0 };
    e.count += 1;
    e.bytes += snap.nodes[i + iSize]!;
    out.set(k, e);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "mcks-heap-"));
const wrapper = join(dir, "mcks");
writeFileSync(wrapper, `#!/bin/sh\ncd ${dir} && exec ${process.execPath} --max-semi-space-size=2 --heapsnapshot-signal=SIGUSR2 ${join(L.repoRoot, "src/main.ts")} "$@"\n`);
chmodSync(wrapper, 0o755);
process.env.MCKS_BIN = wrapper;
const bed = await ensureBed({ clusters: 3 });
const clusters = bed.clusters.slice(0, 3);
const serve = await startServe(writeBurstConfig(dir, bed.kubeconfig, clusters, 600), join(dir, "s.sock"));
const snapshot = async (): Promise<string> => {
  const before = new Set(readdirSync(dir));
  serve.child.kill("SIGUSR2");
  for (;;) {
    await sleep(1000);
    const f = readdirSync(dir).find((x) => x.endsWith(".heapsnapshot") && !before.has(x));
    // The file is complete once its size stops changing.
    if (f) {
      let last = -1;
      for (;;) {
        const size = readFileSync(join(dir, f)).length;
        if (size === last) return join(dir, f);
        last = size;
        await sleep(1000);
      }
    }
  }
};
const clients = await Promise.all(Array.from({ length: 8 }, () => serve.client()));
try {
  await sleep(3000);
  const a = byConstructor(await snapshot());
  const started: { name: string; state: ServerState }[] = [];
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const name = `heap-u${i}`;
      const r = await clients[i % 8]!.call("server.start", { user: { name }, server: "", profile: profileSlug(clusters[i % 3]!), options: {}, env: {} }, { timeoutMs: 0 });
      started.push({ name, state: r.state });
    }),
  );
  await sleep(10_000);
  const b = byConstructor(await snapshot());
  const rows = [...b].map(([k, v]) => ({ k, count: v.count - (a.get(k)?.count ?? 0), bytes: v.bytes - (a.get(k)?.bytes ?? 0) })).sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  console.log(`heap growth from 0 to ${N} servers: ${(total / 2 ** 20).toFixed(1)} MiB (${((total / N) / 1024).toFixed(1)} KiB per server)`);
  for (const r of rows.slice(0, Number(values.top))) console.log(`${(r.bytes / 2 ** 20).toFixed(2).padStart(8)} MiB ${String(r.count).padStart(9)} ×  ${(r.count / N).toFixed(1).padStart(7)} per server  ${r.k}`);
  await Promise.all(started.map((s, i) => clients[i % 8]!.call("server.stop", { user: { name: s.name }, server: "", state: s.state }, { timeoutMs: 0 })));
} finally {
  await Promise.all(clients.map((c) => c.close()));
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
}
