/**
 * The zero-to-jupyterhub chart's defaults for the parts of a values file `mcks import` reads
 * (`singleuser`, `scheduling.userPods`, the image pull secrets), as its values.yaml sets them.
 * A values file only holds what differs from these; helm merges the two (objects/plain-data.ts mergeTree) before
 * the hub reads them, and so does `mcks import`. Image tags the chart fills in at release time
 * come from `--chart-version`.
 */
export function z2jhDefaults(chartVersion: string): Record<string, unknown> {
  return {
    imagePullSecret: { create: false, automaticReferenceInjection: true },
    imagePullSecrets: [],
    singleuser: {
      podNameTemplate: null,
      extraTolerations: [],
      nodeSelector: {},
      extraNodeAffinity: { required: [], preferred: [] },
      extraPodAffinity: { required: [], preferred: [] },
      extraPodAntiAffinity: { required: [], preferred: [] },
      networkTools: {
        image: { name: "quay.io/jupyterhub/k8s-network-tools", tag: chartVersion, pullPolicy: null, pullSecrets: [] },
        resources: {},
      },
      cloudMetadata: { blockWithIptables: true, ip: "169.254.169.254" },
      networkPolicy: { enabled: true },
      events: true,
      extraAnnotations: {},
      extraLabels: { "hub.jupyter.org/network-access-hub": "true" },
      extraFiles: {},
      extraEnv: {},
      lifecycleHooks: {},
      initContainers: [],
      extraContainers: [],
      allowPrivilegeEscalation: false,
      uid: 1000,
      fsGid: 100,
      serviceAccountName: null,
      storage: {
        type: "dynamic",
        extraLabels: {},
        extraVolumes: null,
        extraVolumeMounts: null,
        static: { pvcName: null, subPath: "{username}" },
        capacity: "10Gi",
        homeMountPath: "/home/jovyan",
        dynamic: {
          storageClass: null,
          pvcNameTemplate: null,
          volumeNameTemplate: "volume-{user_server}",
          storageAccessModes: ["ReadWriteOnce"],
          subPath: null,
        },
      },
      image: { name: "quay.io/jupyterhub/k8s-singleuser-sample", tag: chartVersion, pullPolicy: null, pullSecrets: [] },
      startTimeout: 300,
      cpu: { limit: null, guarantee: null },
      memory: { limit: null, guarantee: "1G" },
      extraResource: { limits: {}, guarantees: {} },
      cmd: "jupyterhub-singleuser",
      defaultUrl: null,
      extraPodConfig: {},
      profileList: [],
    },
    scheduling: {
      userScheduler: { enabled: true },
      podPriority: { enabled: false },
      userPods: {
        tolerations: [
          { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
          { key: "hub.jupyter.org_dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
        ],
        nodeAffinity: { matchNodePurpose: "prefer" },
      },
    },
  };
}
