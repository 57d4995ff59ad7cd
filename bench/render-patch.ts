/**
 * Ours for `dryRunSpeedupVsKubectl`: the whole dry-run pipeline per user in-process — resolve →
 * render → patch (the upstream README's three Pod patches) → preApply — with the burst profile,
 * as `mcks serve` runs it before apply. Upstream's side is bench/patch.ts (a `kubectl patch
 * --local` process per patch), run by bench/index.ts in the same session.
 *
 *   node bench/render-patch.ts [--users 2000]    prints "<ms per user>" as its last line
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { planServer } from "../src/spawn/plan.ts";
import type { BedCluster } from "../test/testbed/state.ts";
import { profileSlug, writeBurstConfig } from "./burst-config.ts";

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

export async function renderPatchMsPerUser(users: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "mcks-bench-render-"));
  try {
    const { config } = await loadConfig(writeBurstConfig(dir, join(dir, "kubeconfig"), clusters, 300, 30, { renderOnly: true }));
    const log = { info: () => {}, warn: () => {} };
    const signal = new AbortController().signal;
    const plan = (i: number) => planServer(config, { user: { name: `user${i}` }, server: "", profile: profileSlug(clusters[0]!), env: { JUPYTERHUB_API_TOKEN: "x" } }, { log, signal });
    // The patches must have landed, or the comparison with kubectl means nothing.
    const pod = (await plan(0)).objects.list().find((o) => o.kind === "Pod") as { metadata: { annotations?: Record<string, string> }; spec: { containers: Array<{ resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } }> } } | undefined;
    const res = pod?.spec.containers[0]?.resources;
    if (pod?.metadata.annotations?.["something-else"] !== "hey" || res?.limits?.["nvidia.com/gpu"] === undefined || res?.requests?.memory !== "16Mi") {
      throw new Error(`the burst profile's patches did not land on the Pod: ${JSON.stringify(pod)}`);
    }
    for (let i = 0; i < 200; i++) await plan(i); // warm-up (JIT), not counted
    const t0 = performance.now();
    for (let i = 0; i < users; i++) await plan(i);
    return (performance.now() - t0) / users;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { users: { type: "string", default: "2000" } } });
  const ms = await renderPatchMsPerUser(Number(values.users));
  console.log(`render+patch (resolve → render → 3 patches → preApply), ${values.users} users: ${(ms * 1000).toFixed(1)} µs per user`);
  console.log(ms);
}
