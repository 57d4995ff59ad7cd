/**
 * The bed's clusters as mcks `clusters` entries (restricted identity, namespace `default`), read
 * from `.testbed/clusters.json`, which `npm run testbed -- up` writes. Shared by the configs of
 * the bed (test/testbed/config.ts) and the hub tests (test/e2e/config.ts).
 */
import type { ClusterConfig } from "multicluster-kubespawner";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface BedClusterEntry {
  readonly name: string;
  readonly restrictedContext: string;
  readonly ingressUrl: string;
}

// mcks's config loader gives each file its __dirname; under plain Node ESM there is none, and
// the repository root (where tests run) is the best guess.
const here = typeof __dirname === "string" ? __dirname : resolve(process.cwd(), "test/testbed");
// MCKS_TESTBED_DIR: the same override test/testbed/layout.ts honours, for a second bed.
const stateDir = process.env.MCKS_TESTBED_DIR ? resolve(process.env.MCKS_TESTBED_DIR) : join(here, "../../.testbed");

/** `testbed-1`…`testbed-3` by name, with their entries from clusters.json; fails loudly without a bed. */
export function bedClusters(names: readonly string[] = ["testbed-1", "testbed-2", "testbed-3"]): {
  clusters: Record<string, ClusterConfig>;
  entries: BedClusterEntry[];
} {
  const clustersFile = join(stateDir, "clusters.json");
  if (!existsSync(clustersFile)) {
    throw new Error(`${clustersFile} does not exist: start the test bed first with \`npm run testbed -- up\``);
  }
  const bed = JSON.parse(readFileSync(clustersFile, "utf8")) as { clusters: BedClusterEntry[] };
  const entries = names.map((name) => {
    const c = bed.clusters.find((x) => x.name === name);
    if (!c) throw new Error(`${clustersFile} lists ${bed.clusters.map((x) => x.name).join(", ")}, not ${name}: run \`npm run testbed -- up --clusters 3\``);
    return c;
  });
  const clusters: Record<string, ClusterConfig> = {};
  for (const c of entries) {
    clusters[c.name] = {
      context: c.restrictedContext,
      kubeconfig: join(stateDir, "kubeconfig"),
      ingressPublicUrl: c.ingressUrl,
      namespace: "default",
    };
  }
  return { clusters, entries };
}

/**
 * A bed cluster once more, reached at its pods' IPs (loopback addresses, so the hub and the
 * daemon reach them): `routing: "pod-ip"`, no Service, no Ingress, no ingress URL.
 */
export function podIpCluster(c: ClusterConfig): ClusterConfig {
  const { ingressPublicUrl: _, ...rest } = c;
  return { ...rest, routing: "pod-ip" };
}
