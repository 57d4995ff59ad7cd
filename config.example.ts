/**
 * An example mcks configuration: one hub, three clouds.
 *
 *   mcks validate -c config.example.ts
 *   mcks dry-run  -c config.example.ts --user alice [--profile aws-us-east-1] [--option image=geo]
 *
 * Every option of the DSL appears here at least once (of the KubeSpawner-named settings, those a
 * typical hub uses); the README's config reference explains each.
 */
import { defineConfig } from "multicluster-kubespawner";
import { requireLimits, groupLabels } from "./plugins/policy.ts";
import { httpReadiness } from "./plugins/http-readiness.ts";
import { tokenAuth } from "./plugins/token-auth.ts";

export default defineConfig({
  clusters: {
    // `kubectl config get-contexts` lists these names.
    "gke-us-central1": {
      context: "gke_hub-project_us-central1_compute",
      // The default. "pod-ip" when the hub reaches pod IPs itself (its own cluster): no Service,
      // no Ingress, no ingressPublicUrl.
      routing: "ingress",
      ingressPublicUrl: "https://us-central1.hub.example.org",
      ingressClass: "contour",
      // Settings for every profile on this cluster, over `defaults`.
      defaults: { storage: { storageClass: "standard-rwo" } },
      // Its GPU pool scales from zero: a pod no node takes waits this long for the autoscaler to
      // answer (TriggeredScaleUp / NotTriggerScaleUp) before the start fails.
      unschedulableTimeout: 120,
    },
    "eks-us-east-1": {
      context: "arn:aws:eks:us-east-1:123456789012:cluster/compute",
      ingressPublicUrl: "https://us-east-1.hub.example.org",
      ingressClass: "nginx",
      // One namespace per user, created on first start; it outlives stops.
      namespace: "jhub-{{username}}",
      createNamespace: true,
      defaults: { storage: { storageClass: "gp3" } },
    },
    "do-ams3": {
      context: "do-ams3-compute",
      ingressPublicUrl: "http://203.0.113.10",
      namespace: "jupyterhub",
      kubeconfig: "/etc/mcks/do-kubeconfig.yaml",
    },
  },

  // Settings for every profile; each profile may override any of them.
  defaults: {
    image: "pangeo/pangeo-notebook:latest",
    imagePullPolicy: "IfNotPresent",
    cmd: ["jupyterhub-singleuser"],
    args: ["--ServerApp.default_url=/lab"],
    port: 8888,
    cpuGuarantee: 0.5,
    cpuLimit: 2,
    memGuarantee: "1G",
    memLimit: "4G",
    serviceAccount: true,
    // KubeSpawner's settings, camelCased (README "Settings").
    uid: 1000,
    fsGid: 100,
    // A home volume per server, kept across stops; each cluster sets its storage class above.
    storage: { capacity: "10Gi", mountPath: "/home/jovyan" },
    extraLabels: (ctx) => ({ "hub.example.org/user": ctx.username }),
    environment: {
      JUPYTERHUB_SINGLEUSER_APP: "jupyter_server.serverapp.ServerApp",
      // Values may be computed from the spawn.
      DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE: (ctx) => ctx.spawn.image,
      HUB_CLUSTER: (ctx) => ctx.cluster.name,
    },
    patches: {
      "01-annotations": `
      kind: Pod
      metadata:
          name: {{key}}
          annotations:
              something-else: hey
      `,
      // A typed patch: a function of the spawn returning the object to merge.
      "10-shm": (ctx) => ({
        kind: "Pod",
        metadata: { name: ctx.key },
        spec: { volumes: [{ name: "shm", emptyDir: { medium: "Memory" } }], containers: [{ name: "notebook", volumeMounts: [{ name: "shm", mountPath: "/dev/shm" }] }] },
      }),
    },
  },

  profiles: [
    {
      slug: "gcp-us-central1",
      displayName: "Google Cloud in us-central1",
      description: "Compute paid for by funder A, closest to dataset X",
      default: true,
      cluster: "gke-us-central1",
      defaultUrl: "/lab",
      options: {
        image: {
          displayName: "Image",
          choices: {
            pangeo: { displayName: "Pangeo notebook", default: true },
            geo: {
              displayName: "Pangeo ML (GPU-ready)",
              overrides: { image: "pangeo/ml-notebook:latest" },
            },
            // Listed only for the users it allows.
            beta: {
              displayName: "Pangeo notebook (beta)",
              allowed: (user) => (user.groups ?? []).includes("testers"),
              overrides: { image: "pangeo/pangeo-notebook:beta" },
            },
          },
          unlisted: {
            displayName: "Other image",
            validation: /^[a-z0-9.\-/]+:[\w.\-]+$/,
            validationMessage: "Use an image reference with a tag, like quay.io/org/image:1.2",
            overrides: (value) => ({ image: value }),
          },
        },
        size: {
          displayName: "Server size",
          choices: {
            small: { displayName: "Small (2 GB)", default: true, overrides: { memLimit: "2G", memGuarantee: "1G" } },
            // Large servers go to the high-memory node pool, with a bigger home.
            large: {
              displayName: "Large (16 GB, 4 CPUs)",
              overrides: {
                memLimit: "16G",
                memGuarantee: "12G",
                cpuLimit: 4,
                cpuGuarantee: 2,
                nodeSelector: { "cloud.google.com/gke-nodepool": "highmem" },
                storage: { capacity: "50Gi" },
              },
            },
          },
        },
      },
      nodeSelector: { "cloud.google.com/gke-nodepool": "standard" },
    },
    {
      slug: "aws-us-east-1",
      displayName: "AWS on us-east-1",
      description: "Compute paid for by funder B, closest to dataset Y",
      cluster: "eks-us-east-1",
      patches: {
        "01-memory": `
                    kind: Pod
                    metadata:
                        name: {{key}}
                    spec:
                        containers:
                        - name: notebook
                          resources:
                            requests:
                                memory: 16Mi
                    `,
      },
      resources: {
        "10-dask-role": `
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: {{key}}-dask
    rules:
    - apiGroups:
      - ""
      resources:
      - pods
      verbs:
      - list
      - create
      - delete
    `,
        "11-dask-rolebinding": `
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: {{key}}-dask
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: {{key}}-dask
    subjects:
    - apiGroup: ""
      kind: ServiceAccount
      name: {{key}}
    `,
      },
    },
    {
      slug: "gpu-us-central1",
      displayName: "GPU in us-central1",
      description: "One NVIDIA T4; for the ml-team group only",
      cluster: "gke-us-central1",
      image: "pangeo/ml-notebook:latest",
      memLimit: "24G",
      memGuarantee: "16G",
      allowed: (user) => user.admin === true || (user.groups ?? []).includes("ml-team"),
      // One NVIDIA T4 on the GPU node pool, whose taint the pod tolerates.
      extraResourceLimits: { "nvidia.com/gpu": 1 },
      nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-tesla-t4" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      // A scale-up of the GPU pool from zero may take minutes before the image is even pulled.
      startTimeout: 900,
    },
    {
      slug: "do-ams3",
      displayName: "DigitalOcean in Amsterdam",
      description: "Small servers close to European users; no service account",
      cluster: "do-ams3",
      // While do-ams3 is unreachable, start on GKE instead; never for a user whose home volume
      // lives on do-ams3 (as everyone's does with this file's defaults.resources): a server
      // elsewhere would start without it.
      fallbackClusters: ["gke-us-central1"],
      serviceAccount: false,
      cpuLimit: "1500m",
      memLimit: 2147483648,
      environment: { TZ: "Europe/Amsterdam" },
      // No home volume on this cluster.
      storage: false,
    },
  ],

  // Run in order. See plugins/ for how each is written and tested.
  plugins: [
    tokenAuth({ cluster: "do-ams3", tokenFile: "/var/run/secrets/mcks/do-token" }),
    requireLimits(),
    groupLabels({ prefix: "hub.example.org/group-" }),
    httpReadiness({ path: "api", timeoutSeconds: 60 }),
  ],

  startTimeout: 600,
  pollGracePeriod: 300,
});
