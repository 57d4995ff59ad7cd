/**
 * The mcks config the burst benchmark runs: one profile per bed cluster (restricted identity,
 * namespace `default`), each with the upstream README's Pod patches, so every start renders,
 * patches and applies the same five objects (ServiceAccount, Secret, Pod, Service, Ingress).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BedCluster } from "../test/testbed/state.ts";

/** Objects per start with this config (checked against what lands in the cluster). */
export const OBJECTS_PER_START = 5;

const PATCHES = `{
        "01-annotations": \`
    kind: Pod
    metadata:
        name: {{key}}
        annotations:
            something-else: hey
    \`,
        "01-memory": \`
    kind: Pod
    metadata:
        name: {{key}}
    spec:
        containers:
        - name: notebook
          resources:
            requests:
                memory: 16Mi
    \`,
        "02-gpu": \`
    kind: Pod
    metadata:
        name: {{key}}
    spec:
        containers:
        - name: notebook
          resources:
            limits:
                nvidia.com/gpu: 1
    \`,
      }`;

export const profileSlug = (c: BedCluster): string => `on-${c.name}`;

export function writeBurstConfig(dir: string, kubeconfig: string, clusters: readonly BedCluster[], startTimeoutSeconds: number, pollGracePeriodSeconds = 30): string {
  const file = join(dir, "config.ts");
  const clusterEntries = clusters
    .map((c) => `"${c.name}": { context: "${c.restrictedContext}", kubeconfig: ${JSON.stringify(kubeconfig)}, ingressPublicUrl: "${c.ingressUrl}", namespace: "default" }`)
    .join(",\n    ");
  const profiles = clusters
    .map((c, i) => `{ slug: "${profileSlug(c)}", displayName: "On ${c.name}", cluster: "${c.name}", default: ${i === 0}, patches: ${PATCHES} }`)
    .join(",\n    ");
  writeFileSync(
    file,
    `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    ${clusterEntries}
  },
  defaults: { image: "testbed/singleuser:latest", cpuLimit: 1, memLimit: "256M", memGuarantee: "64M" },
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
