/**
 * The mcks config the burst benchmark runs: one profile per bed cluster (restricted identity,
 * namespace `default`), each with the upstream README's Pod patches, so every start renders,
 * patches and applies the same five objects (ServiceAccount, Secret, Pod, Service, Ingress).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BedCluster } from "../test/testbed/state.ts";
import { UPSTREAM_MEMORY_PATCH_AS_MEANT, UPSTREAM_PATCHES } from "../test/fixtures/upstream-examples.ts";

/** Objects per start with this config (checked against what lands in the cluster). */
export const OBJECTS_PER_START = 5;

/** The upstream README's Pod patches (01-memory as its author meant it). */
export const BURST_PATCHES: Readonly<Record<string, string>> = { ...UPSTREAM_PATCHES, "01-memory": UPSTREAM_MEMORY_PATCH_AS_MEANT };

/**
 * For a config whose servers really start on the bed, where a real scheduler places pods by their
 * requests: without upstream's GPU patch (no bed node has a GPU until testbed-2's gpu pool scales
 * up) and with a small CPU request (else the 1-CPU limit is also the request: 4 servers a node).
 */
const PATCHES_ON_BED = Object.fromEntries(Object.entries(BURST_PATCHES).filter(([, p]) => !p.includes("nvidia.com/gpu")));

export const profileSlug = (c: BedCluster): string => `on-${c.name}`;

export function writeBurstConfig(
  dir: string,
  kubeconfig: string,
  clusters: readonly BedCluster[],
  startTimeoutSeconds: number,
  pollGracePeriodSeconds = 30,
  opts: { renderOnly?: boolean; patches?: Readonly<Record<string, string>>; routing?: "ingress" | "pod-ip" } = {},
): string {
  const patches = JSON.stringify(opts.patches ?? (opts.renderOnly ? BURST_PATCHES : PATCHES_ON_BED));
  const cpuGuarantee = opts.renderOnly ? "" : " cpuGuarantee: 0.01,";
  const file = join(dir, "config.ts");
  // Pod-IP routing: the hub reaches the bed's (loopback) pod IPs itself; no Service, Ingress or
  // ServiceAccount, so a start is a Secret and a Pod, as with KubeSpawner's defaults.
  const direct = opts.routing === "pod-ip";
  const route = (c: BedCluster) => (direct ? `routing: "pod-ip"` : `ingressPublicUrl: "${c.ingressUrl}"`);
  const clusterEntries = clusters
    .map((c) => `"${c.name}": { context: "${c.restrictedContext}", kubeconfig: ${JSON.stringify(kubeconfig)}, ${route(c)}, namespace: "default" }`)
    .join(",\n    ");
  const profiles = clusters
    .map((c, i) => `{ slug: "${profileSlug(c)}", displayName: "On ${c.name}", cluster: "${c.name}", default: ${i === 0},${direct ? " serviceAccount: false," : ""} patches: ${patches} }`)
    .join(",\n    ");
  writeFileSync(
    file,
    `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    ${clusterEntries}
  },
  defaults: { image: "testbed/singleuser:latest", cpuLimit: 1,${cpuGuarantee} memLimit: "256M", memGuarantee: "64M" },
  profiles: [
    ${profiles}
  ],
  startTimeout: ${startTimeoutSeconds},
  pollGracePeriod: ${pollGracePeriodSeconds},
});
`,
  );
  return file;
}
