/**
 * The mcks config for the test bed: profiles `testbed-1`…`testbed-3`, each targeting one bed
 * cluster through its restricted context (only test/testbed/rbac-minimal.yaml is granted, so
 * every test also proves that grant is enough) and its ingress URL; and two GPU profiles on
 * testbed-2, whose `gpu` pool starts with no nodes: `testbed-2-gpu` (one GPU, fits a node the
 * autoscaler adds) and `testbed-2-gpu-x4` (four GPUs, fits no pool); and `testbed-1-direct`, the
 * lightest server there is: testbed-1 reached at its pod's IP (`routing: "pod-ip"`, cluster
 * `testbed-1-direct`), without a ServiceAccount, so a start is a Secret and a Pod.
 *
 * The clusters come from `.testbed/clusters.json`, which `npm run testbed -- up` writes; it is
 * found relative to this file, so `mcks … -c test/testbed/config.ts` works from any directory.
 */
import { defineConfig } from "multicluster-kubespawner";
import type { ProfileConfig } from "multicluster-kubespawner";
import { bedClusters, podIpCluster } from "./bed-clusters.ts";

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

/** `n` GPUs on testbed-2's gpu pool, tolerating its taint (test/testbed/agent/pools.ts), as KubeSpawner users write it. */
const gpu = (n: number) => ({
  nodeSelector: { "mcks.testbed/pool": "gpu" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" as const, effect: "NoSchedule" as const }],
  extraResourceLimits: { "nvidia.com/gpu": n },
});
const gpuCluster = entries.find((c) => c.name === "testbed-2")!;
profiles.push(
  {
    slug: "testbed-2-gpu",
    displayName: "Test bed GPU (1 × nvidia.com/gpu)",
    description: `testbed-2's gpu pool, scaled up from zero on demand; answers through ${gpuCluster.ingressUrl}`,
    cluster: gpuCluster.name,
    ...gpu(1),
    // Its node is added on demand: a start may take a scale-up (minutes on a real cloud).
    startTimeout: 300,
  },
  {
    slug: "testbed-2-gpu-x4",
    displayName: "Test bed GPU (4 × nvidia.com/gpu)",
    description: "More GPUs than any node of testbed-2's gpu pool has: never fits",
    cluster: gpuCluster.name,
    ...gpu(4),
    startTimeout: 300,
  },
);

clusters["testbed-1-direct"] = podIpCluster(clusters["testbed-1"]!);
profiles.push({
  slug: "testbed-1-direct",
  displayName: "Test bed cluster testbed-1, at the pod's IP",
  description: "No Service, no Ingress, no ServiceAccount: the hub reaches the pod at its (loopback) IP",
  cluster: "testbed-1-direct",
  serviceAccount: false,
});

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
