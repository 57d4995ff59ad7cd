/**
 * The mcks config for the test bed: profiles `testbed-1`…`testbed-3`, each targeting one bed
 * cluster through its restricted context (only test/testbed/rbac-minimal.yaml is granted, so
 * every test also proves that grant is enough) and its ingress URL.
 *
 * The clusters come from `.testbed/clusters.json`, which `npm run testbed -- up` writes; it is
 * found relative to this file, so `mcks … -c test/testbed/config.ts` works from any directory.
 */
import { defineConfig } from "multicluster-kubespawner";
import type { ProfileConfig } from "multicluster-kubespawner";
import { bedClusters } from "./bed-clusters.ts";

const { clusters, entries } = bedClusters();
const profiles: ProfileConfig[] = [];
for (const c of entries) {
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
