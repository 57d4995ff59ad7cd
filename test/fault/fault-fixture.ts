/**
 * Shared by the fault tests: the real `mcks serve` binary (dist/mcks, as npm test builds it;
 * MCKS_BIN overrides) on the real bed, with bench/burst-config.ts's config (one profile per
 * cluster, `on-testbed-N`). MCKS_FAULT_BED_CLUSTERS=6 with MCKS_TESTBED_DIR/PORT_OFFSET runs them
 * on a separate bed's clusters 4–6 (pod IPs that never clash with the shared bed's agents).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { profileSlug, writeBurstConfig } from "../../bench/burst-config.ts";
import { managedObjects as managed } from "../../bench/managed-objects.ts";
import type { BedCluster } from "../testbed/state.ts";
import { ensureBed, settled, startServe, tempDir, type Bed, type ServeProcess } from "../integration/serve-fixture.ts";

export { startServe, tempDir, type Bed, type ServeProcess, profileSlug };

const root = join(import.meta.dirname, "../..");
process.env.MCKS_BIN ??= join(root, "dist/mcks");
if (!existsSync(process.env.MCKS_BIN)) throw new Error(`${process.env.MCKS_BIN} does not exist: run npm run build (the fault tests run the product binary)`);

export interface FaultBed {
  readonly bed: Bed;
  /** The three clusters the config uses. */
  readonly clusters: readonly BedCluster[];
  readonly dir: string;
  readonly configPath: string;
}

export async function faultBed(prefix: string, opts: { startTimeout?: number; pollGracePeriod?: number } = {}): Promise<FaultBed> {
  const bed = await ensureBed({ clusters: Number(process.env.MCKS_FAULT_BED_CLUSTERS ?? 3) });
  const clusters = bed.clusters.slice(-3);
  const dir = tempDir(prefix);
  const configPath = writeBurstConfig(dir, bed.kubeconfig, clusters, opts.startTimeout ?? 120, opts.pollGracePeriod ?? 30);
  return { bed, clusters, dir, configPath };
}

/**
 * Managed objects on the three clusters, as `cluster:Kind/name`; with `userPrefix`, only those of
 * users whose names start with it (the integration tests before this stage may leave objects
 * that outlive a stop, such as a home PVC, and they are not ours to judge).
 */
export function allManaged(fb: FaultBed, userPrefix?: string): string[] {
  const mine = (o: string) => userPrefix === undefined || o.includes(`/jupyter-${userPrefix}`);
  return fb.clusters.flatMap((c) => managed(fb.bed.kubeconfig, c.context).filter(mine).map((o) => `${c.name}:${o}`));
}

/**
 * `allManaged` once a stop has settled: a stop returns when the Pod is gone, and the cluster's
 * garbage collector removes the rest a moment later. Waits (bounded) until `done` holds and
 * returns what it last saw, for the caller to assert on.
 */
export function managedAfterStop(fb: FaultBed, userPrefix: string, done: (objects: string[]) => boolean = (o) => o.length === 0, timeoutMs = 60_000): Promise<string[]> {
  return settled(() => allManaged(fb, userPrefix), done, timeoutMs, 250);
}

/** A user-name prefix unique to this run (lower case, so the key keeps it unescaped). */
export const runPrefix = (what: string): string => `${what}${Date.now().toString(36).slice(-5)}-`;

export async function eventually(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not true within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
