/**
 * The mcks config for the test bed: profiles `testbed-1`…`testbed-3`, each targeting one bed
 * cluster through its restricted context (only test/testbed/rbac-minimal.yaml is granted, so
 * every test also proves that grant is enough) and its ingress URL.
 *
 * The clusters come from `.testbed/clusters.json`, which `npm run testbed -- up` writes; it is
 * found relative to this file, so `mcks … -c test/testbed/config.ts` works from any directory.
 */
import { defineConfig } from "multicluster-kubespawner";
import type { ClusterConfig, ProfileConfig } from "multicluster-kubespawner";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

interface BedClusterEntry {
  readonly name: string;
  readonly restrictedContext: string;
  readonly ingressUrl: string;
}

// mcks's config loader gives each file its __dirname; under plain Node ESM there is none, and
// the repository root (where tests run) is the best guess.
const here = typeof __dirname === "string" ? __dirname : resolve(process.cwd(), "test/testbed");
// MCKS_TESTBED_DIR: the same override test/testbed/layout.ts honours, for a second bed.
const stateDir = process.env.MCKS_TESTBED_DIR ? resolve(process.env.MCKS_TESTBED_DIR) : join(here, "../../.testbed");
const clustersFile = join(stateDir, "clusters.json");

if (!existsSync(clustersFile)) {
  throw new Error(`${clustersFile} does not exist: start the test bed first with \`npm run testbed -- up\``);
}
const bed = JSON.parse(readFileSync(clustersFile, "utf8")) as { kubeconfig: string; clusters: BedClusterEntry[] };
const wanted = ["testbed-1", "testbed-2", "testbed-3"];
const found = wanted.map((name) => bed.clusters.find((c) => c.name === name));
if (found.some((c) => c === undefined)) {
  throw new Error(`${clustersFile} lists ${bed.clusters.map((c) => c.name).join(", ")}; this config needs ${wanted.join(", ")}: run \`npm run testbed -- up --clusters 3\``);
}

const clusters: Record<string, ClusterConfig> = {};
const profiles: ProfileConfig[] = [];
for (const c of found as BedClusterEntry[]) {
  clusters[c.name] = {
    context: c.restrictedContext,
    kubeconfig: join(stateDir, "kubeconfig"),
    ingressPublicUrl: c.ingressUrl,
    namespace: "default",
  };
  profiles.push({
    slug: c.name,
    displayName: `Test bed cluster ${c.name}`,
    description: `Loopback kube-apiserver ${c.name}; the server answers through ${c.ingressUrl}`,
    default: c.name === "testbed-1",
    cluster: c.name,
  });
}

export default defineConfig({
  clusters,
  defaults: {
    // Any image the fake kubelet does not treat specially runs its in-process mock single-user
    // server (see test/testbed/agent/behaviour.ts for the failure-injection names).
    image: "testbed/singleuser:latest",
    port: 8888,
    cpuGuarantee: 0.1,
    memGuarantee: "64M",
  },
  profiles,
  startTimeout: 60,
});
