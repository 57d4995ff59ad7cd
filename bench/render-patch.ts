/**
 * Ours in the upstream comparison (bench/upstream.ts): the whole dry-run pipeline per user
 * in-process — resolve → render → patch → preApply — as `mcks serve` runs it before apply, with
 * the burst profile (bench/burst-config.ts) carrying the given patches.
 *
 *   node bench/render-patch.ts [--users 2000]    the README's 3 Pod patches; prints µs per user
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { planServer } from "../src/spawn/plan.ts";
import type { BedCluster } from "../test/testbed/state.ts";
import { BURST_PATCHES, profileSlug, writeBurstConfig } from "./burst-config.ts";

/** Stand-ins: dry-run needs no cluster, only names, contexts and ingress URLs. */
const clusters: BedCluster[] = [1, 2, 3].map((i) => ({
  name: `testbed-${i}`,
  index: i,
  context: `testbed-${i}`,
  restrictedContext: `testbed-${i}-restricted`,
  apiserverUrl: `https://127.0.0.1:${16440 + i}`,
  ingressPort: 18080 + i,
  ingressUrl: `http://127.0.0.1:${18080 + i}`,
  pools: [],
}));

export interface PlannedPod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: Array<{ name: string; resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } }> };
}

export interface OurPlanner {
  /** Plans user i's server; resolves with its Pod. */
  plan(i: number): Promise<PlannedPod>;
  /** Wall ms per user over `users` plans (users 0…users-1). */
  msPerUser(users: number): Promise<number>;
  close(): void;
}

export async function ourPlanner(patches: Readonly<Record<string, string>>): Promise<OurPlanner> {
  const dir = mkdtempSync(join(tmpdir(), "mcks-bench-render-"));
  const { config } = await loadConfig(writeBurstConfig(dir, join(dir, "kubeconfig"), clusters, 300, 30, { renderOnly: true, patches }));
  const log = { info: () => {}, warn: () => {} };
  const signal = new AbortController().signal;
  const plan = async (i: number): Promise<PlannedPod> => {
    const planned = await planServer(config, { user: { name: `user${i}` }, server: "", profile: profileSlug(clusters[0]!), env: { JUPYTERHUB_API_TOKEN: "x" } }, { log, signal });
    const pod = planned.objects.list().find((o) => o.kind === "Pod");
    if (!pod) throw new Error("the burst profile planned no Pod");
    return pod as unknown as PlannedPod;
  };
  return {
    plan,
    async msPerUser(users) {
      const t0 = performance.now();
      for (let i = 0; i < users; i++) await plan(i);
      return (performance.now() - t0) / users;
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { users: { type: "string", default: "2000" } } });
  const planner = await ourPlanner(BURST_PATCHES);
  try {
    await planner.msPerUser(200); // warm-up (JIT), not counted
    const ms = await planner.msPerUser(Number(values.users));
    console.log(`resolve → render → 3 patches → preApply, ${values.users} users: ${(ms * 1000).toFixed(1)} µs per user`);
  } finally {
    planner.close();
  }
}
