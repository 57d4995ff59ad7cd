/**
 * Every native setting against KubeSpawner 7.1.0 itself: for each case, the Pod (and home claim)
 * `mcks dry-run` prints must equal what KubeSpawner's pod builder makes from the same settings,
 * on everything the settings control (harness.ts lists what is normalised and the by-design
 * differences). A case sets up to four levels, each written both ways (mcks camelCase,
 * KubeSpawner trait names):
 *   defaults → c.KubeSpawner.<trait>
 *   a cluster's defaults → the profile's kubespawner_override
 *   the profile → a first profile option with one (default) choice
 *   an option choice → a second profile option, chosen
 * so KubeSpawner's own `_apply_overrides` layers what mcks layers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NATIVE_VALUE_SCHEMAS } from "../../src/config/native-schema.ts";
import { Code } from "../../src/import/code.ts";
import { printTs } from "../../src/import/print.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";
import { dryRun, dryRunHeader, inPairs, kubeSpawnerPods, normalizeClaim, normalizePod } from "./harness.ts";
import type { KubeSpawnerCase } from "./harness.ts";

type Obj = Record<string, unknown>;
type Level = readonly [mcks: Obj, kubespawner: Obj];

interface Case {
  readonly name: string;
  /** The native settings this case checks. */
  readonly covers: readonly string[];
  readonly defaults?: Level;
  readonly cluster?: Level;
  readonly profile?: Level;
  readonly choice?: Level;
  /** c.Spawner traits (the hub's cmd/args/default_url) and the dry-run flags that stand for them. */
  readonly hub?: { readonly spawner: Obj; readonly args: readonly string[] };
  /** mcks patches (KubeSpawner has none: its side is the patched result, written as settings). */
  readonly patches?: Obj;
  /**
   * Variables where mcks differs on purpose: MEM_/CPU_ follow the container's final resources,
   * while KubeSpawner's follow mem_limit/cpu_limit even when another setting changed the container.
   */
  readonly mcksEnv?: Readonly<Record<string, string>>;
}

const fn = (src: string) => new Code(src);
const IMAGE = "pangeo/base:2026.1";

const CASES: readonly Case[] = [
  { name: "nothing set: KubeSpawner's defaults (allowPrivilegeEscalation false, no token)", covers: ["allowPrivilegeEscalation"] },
  { name: "nodeSelector", covers: ["nodeSelector"], profile: [{ nodeSelector: { "cloud.google.com/gke-nodepool": "highmem" } }, { node_selector: { "cloud.google.com/gke-nodepool": "highmem" } }] },
  {
    name: "nodeSelector merged across levels, null removes a key",
    covers: ["nodeSelector"],
    defaults: [{ nodeSelector: { disk: "ssd", zone: "a" } }, { node_selector: { disk: "ssd", zone: "a" } }],
    profile: [{ nodeSelector: { zone: null, pool: "gpu" } }, { node_selector: { zone: null, pool: "gpu" } }],
  },
  {
    name: "tolerations as a list",
    covers: ["tolerations"],
    profile: [
      { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
      { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
    ],
  },
  {
    name: "tolerations keyed: a choice adds one to the defaults', in key order",
    covers: ["tolerations"],
    defaults: [{ tolerations: { "b-user": { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule", operator: "Equal" } } }, { tolerations: { "b-user": { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule", operator: "Equal" } } }],
    choice: [{ tolerations: { "a-spot": { key: "spot", operator: "Exists" } } }, { tolerations: { "a-spot": { key: "spot", operator: "Exists" } } }],
  },
  {
    name: "a list at a later level replaces the defaults' tolerations",
    covers: ["tolerations"],
    defaults: [{ tolerations: [{ key: "a", operator: "Exists" }] }, { tolerations: [{ key: "a", operator: "Exists" }] }],
    profile: [{ tolerations: [{ key: "b", operator: "Exists" }] }, { tolerations: [{ key: "b", operator: "Exists" }] }],
  },
  {
    name: "affinity: required node affinity",
    covers: ["affinity"],
    profile: [
      { affinity: { nodeAffinityRequired: [{ matchExpressions: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["n2-highmem-8"] }] }] } },
      { node_affinity_required: [{ matchExpressions: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["n2-highmem-8"] }] }] },
    ],
  },
  {
    name: "affinity: preferred node affinity (z2jh's node-purpose)",
    covers: ["affinity"],
    defaults: [
      { affinity: { nodeAffinityPreferred: [{ weight: 100, preference: { matchExpressions: [{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] }] } }] } },
      { node_affinity_preferred: [{ weight: 100, preference: { matchExpressions: [{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] }] } }] },
    ],
  },
  {
    name: "affinity: pod affinity, required and preferred",
    covers: ["affinity"],
    profile: [
      {
        affinity: {
          podAffinityRequired: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "dask" } } }],
          podAffinityPreferred: [{ weight: 50, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "data" } } } }],
        },
      },
      {
        pod_affinity_required: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "dask" } } }],
        pod_affinity_preferred: [{ weight: 50, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "data" } } } }],
      },
    ],
  },
  {
    name: "affinity: pod anti-affinity, required and preferred, merged from two levels",
    covers: ["affinity"],
    defaults: [
      { affinity: { podAntiAffinityPreferred: [{ weight: 10, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { component: "singleuser-server" } } } }] } },
      { pod_anti_affinity_preferred: [{ weight: 10, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { component: "singleuser-server" } } } }] },
    ],
    profile: [
      { affinity: { podAntiAffinityRequired: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { gpu: "exclusive" } } }] } },
      { pod_anti_affinity_required: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { gpu: "exclusive" } } }] },
    ],
  },
  { name: "extraResourceLimits: one GPU", covers: ["extraResourceLimits"], profile: [{ extraResourceLimits: { "nvidia.com/gpu": 1 } }, { extra_resource_limits: { "nvidia.com/gpu": 1 } }] },
  {
    name: "extraResourceGuarantees next to cpu and memory",
    covers: ["extraResourceGuarantees"],
    profile: [
      { cpuGuarantee: 0.5, memGuarantee: "1G", extraResourceGuarantees: { "ephemeral-storage": "5Gi" } },
      { cpu_guarantee: 0.5, mem_guarantee: "1G", extra_resource_guarantees: { "ephemeral-storage": "5Gi" } },
    ],
  },
  {
    name: "extraResourceLimits merged by key across levels; a key it shares with memory wins",
    covers: ["extraResourceLimits"],
    defaults: [{ memLimit: "2G", extraResourceLimits: { "example.com/fpga": "1" } }, { mem_limit: "2G", extra_resource_limits: { "example.com/fpga": "1" } }],
    choice: [{ extraResourceLimits: { "nvidia.com/gpu": "2", memory: "3Gi" } }, { extra_resource_limits: { "nvidia.com/gpu": "2", memory: "3Gi" } }],
    mcksEnv: { MEM_LIMIT: String(3 * 1024 ** 3) },
  },
  { name: "uid", covers: ["uid"], defaults: [{ uid: 1000 }, { uid: 1000 }] },
  { name: "gid", covers: ["gid"], profile: [{ uid: 1000, gid: 100 }, { uid: 1000, gid: 100 }] },
  { name: "fsGid", covers: ["fsGid"], defaults: [{ fsGid: 100 }, { fs_gid: 100 }] },
  { name: "supplementalGids", covers: ["supplementalGids"], profile: [{ supplementalGids: [100, 2000] }, { supplemental_gids: [100, 2000] }] },
  { name: "allowPrivilegeEscalation: true", covers: ["allowPrivilegeEscalation"], profile: [{ allowPrivilegeEscalation: true }, { allow_privilege_escalation: true }] },
  { name: "allowPrivilegeEscalation: null leaves it unset", covers: ["allowPrivilegeEscalation"], defaults: [{ allowPrivilegeEscalation: null }, { allow_privilege_escalation: null }] },
  {
    name: "containerSecurityContext wins over uid",
    covers: ["containerSecurityContext", "uid"],
    profile: [
      { uid: 1000, containerSecurityContext: { runAsUser: 2000, runAsNonRoot: true, capabilities: { drop: ["ALL"] } } },
      { uid: 1000, container_security_context: { runAsUser: 2000, runAsNonRoot: true, capabilities: { drop: ["ALL"] } } },
    ],
  },
  {
    name: "privileged through containerSecurityContext needs allowPrivilegeEscalation",
    covers: ["containerSecurityContext", "allowPrivilegeEscalation"],
    profile: [{ allowPrivilegeEscalation: true, containerSecurityContext: { privileged: true } }, { allow_privilege_escalation: true, privileged: true }],
  },
  {
    name: "podSecurityContext over fsGid",
    covers: ["podSecurityContext", "fsGid"],
    profile: [
      { fsGid: 100, podSecurityContext: { fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } } },
      { fs_gid: 100, pod_security_context: { fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } } },
    ],
  },
  {
    name: "volumes and volumeMounts as lists",
    covers: ["volumes", "volumeMounts"],
    profile: [
      { volumes: [{ name: "shm", emptyDir: { medium: "Memory" } }], volumeMounts: [{ name: "shm", mountPath: "/dev/shm" }] },
      { volumes: [{ name: "shm", emptyDir: { medium: "Memory" } }], volume_mounts: [{ name: "shm", mountPath: "/dev/shm" }] },
    ],
  },
  {
    name: "volumes and volumeMounts keyed: the profile adds a shared volume to the defaults'",
    covers: ["volumes", "volumeMounts"],
    defaults: [
      { volumes: { "1-shm": { name: "shm", emptyDir: { medium: "Memory" } } }, volumeMounts: { "1-shm": { name: "shm", mountPath: "/dev/shm" } } },
      { volumes: { "1-shm": { name: "shm", emptyDir: { medium: "Memory" } } }, volume_mounts: { "1-shm": { name: "shm", mountPath: "/dev/shm" } } },
    ],
    profile: [
      { volumes: { "2-shared": { name: "shared", persistentVolumeClaim: { claimName: "jupyterhub-shared-volume" } } }, volumeMounts: { "2-shared": { name: "shared", mountPath: "/home/shared", readOnly: true } } },
      { volumes: { "2-shared": { name: "shared", persistentVolumeClaim: { claimName: "jupyterhub-shared-volume" } } }, volume_mounts: { "2-shared": { name: "shared", mountPath: "/home/shared", readOnly: true } } },
    ],
  },
  {
    name: "per-user volumes: a function of the spawn, as KubeSpawner's {username}",
    covers: ["volumes", "volumeMounts"],
    profile: [
      {
        volumes: [{ name: "nfs", nfs: { server: "nfs.example.org", path: "/export/home" } }],
        volumeMounts: fn('(ctx) => [{ name: "nfs", mountPath: "/home/jovyan", subPath: `home/${ctx.username}` }]'),
      },
      { volumes: [{ name: "nfs", nfs: { server: "nfs.example.org", path: "/export/home" } }], volume_mounts: [{ name: "nfs", mountPath: "/home/jovyan", subPath: "home/{username}" }] },
    ],
  },
  {
    name: "storage: the home volume with its class, modes and mount path",
    covers: ["storage"],
    profile: [
      { storage: { capacity: "20Gi", storageClass: "premium-rwo", accessModes: ["ReadWriteOnce"], mountPath: "/home/jovyan/work" } },
      {
        storage_pvc_ensure: true,
        storage_capacity: "20Gi",
        storage_class: "premium-rwo",
        storage_access_modes: ["ReadWriteOnce"],
        volumes: { home: { name: "home", persistentVolumeClaim: { claimName: "{pvc_name}" } } },
        volume_mounts: { home: { name: "home", mountPath: "/home/jovyan/work" } },
      },
    ],
  },
  {
    name: "storage: the cluster's storage class under the profile's capacity",
    covers: ["storage"],
    defaults: [
      { storage: { capacity: "10Gi" } },
      {
        storage_pvc_ensure: true,
        storage_capacity: "10Gi",
        storage_access_modes: ["ReadWriteOnce"],
        volumes: { home: { name: "home", persistentVolumeClaim: { claimName: "{pvc_name}" } } },
        volume_mounts: { home: { name: "home", mountPath: "/home/jovyan" } },
      },
    ],
    cluster: [{ storage: { storageClass: "gp3" } }, { storage_class: "gp3" }],
    profile: [{ storage: { capacity: "50Gi" } }, { storage_capacity: "50Gi" }],
  },
  {
    name: "storage: false turns the defaults' home volume off",
    covers: ["storage"],
    defaults: [{ storage: { capacity: "10Gi" } }, {}],
    profile: [{ storage: false }, {}],
  },
  {
    name: "initContainers",
    covers: ["initContainers"],
    profile: [
      { initContainers: [{ name: "fetch", image: "busybox:1.37", command: ["sh", "-c", "echo ready > /tmp/ready"] }] },
      { init_containers: [{ name: "fetch", image: "busybox:1.37", command: ["sh", "-c", "echo ready > /tmp/ready"] }] },
    ],
  },
  {
    name: "extraContainers (a sidecar), keyed",
    covers: ["extraContainers"],
    profile: [
      { extraContainers: { "1-proxy": { name: "auth-proxy", image: "example/proxy:2", ports: [{ containerPort: 9000 }] } } },
      { extra_containers: { "1-proxy": { name: "auth-proxy", image: "example/proxy:2", ports: [{ containerPort: 9000 }] } } },
    ],
  },
  {
    name: "lifecycleHooks (z2jh's gitpuller postStart)",
    covers: ["lifecycleHooks"],
    profile: [
      { lifecycleHooks: { postStart: { exec: { command: ["sh", "-c", "gitpuller https://github.com/data-8/materials-fa17 master materials-fa"] } } } },
      { lifecycle_hooks: { postStart: { exec: { command: ["sh", "-c", "gitpuller https://github.com/data-8/materials-fa17 master materials-fa"] } } } },
    ],
  },
  { name: "workingDir", covers: ["workingDir"], profile: [{ workingDir: "/home/jovyan/work" }, { working_dir: "/home/jovyan/work" }] },
  { name: "imagePullSecrets: names and references", covers: ["imagePullSecrets"], defaults: [{ imagePullSecrets: ["regcred", { name: "gcr" }] }, { image_pull_secrets: ["regcred", { name: "gcr" }] }] },
  {
    name: "extraLabels merged, with a per-user value",
    covers: ["extraLabels"],
    defaults: [{ extraLabels: { "hub.jupyter.org/network-access-hub": "true" } }, { extra_labels: { "hub.jupyter.org/network-access-hub": "true" } }],
    profile: [{ extraLabels: fn('(ctx) => ({ owner: ctx.username, team: "geo" })') }, { extra_labels: { owner: "{username}", team: "geo" } }],
  },
  { name: "extraAnnotations", covers: ["extraAnnotations"], profile: [{ extraAnnotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } }, { extra_annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" } }] },
  { name: "priorityClassName", covers: ["priorityClassName"], profile: [{ priorityClassName: "user-high" }, { priority_class_name: "user-high" }] },
  { name: "schedulerName", covers: ["schedulerName"], cluster: [{ schedulerName: "binpack-scheduler" }, { scheduler_name: "binpack-scheduler" }] },
  { name: "serviceAccountName: an existing account, its token mounted by default", covers: ["serviceAccountName"], profile: [{ serviceAccountName: "dask-runner" }, { service_account: "dask-runner" }] },
  {
    name: "serviceAccountName with automountServiceAccountToken: false",
    covers: ["serviceAccountName", "automountServiceAccountToken"],
    profile: [{ serviceAccountName: "reader", automountServiceAccountToken: false }, { service_account: "reader", automount_service_account_token: false }],
  },
  { name: "automountServiceAccountToken: true without an account", covers: ["automountServiceAccountToken"], profile: [{ automountServiceAccountToken: true }, { automount_service_account_token: true }] },
  {
    name: "extraPodConfig: new fields, and one replacing tolerations whole",
    covers: ["extraPodConfig", "tolerations"],
    profile: [
      { tolerations: [{ key: "a", operator: "Exists" }], extraPodConfig: { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"] }, tolerations: [{ key: "b", operator: "Exists" }] } },
      { tolerations: [{ key: "a", operator: "Exists" }], extra_pod_config: { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"] }, tolerations: [{ key: "b", operator: "Exists" }] } },
    ],
  },
  {
    name: "extraContainerConfig: envFrom, and replacing workingDir",
    covers: ["extraContainerConfig", "workingDir"],
    profile: [
      { workingDir: "/srv", extraContainerConfig: { envFrom: [{ configMapRef: { name: "site-env" } }], workingDir: "/data" } },
      { working_dir: "/srv", extra_container_config: { envFrom: [{ configMapRef: { name: "site-env" } }], workingDir: "/data" } },
    ],
  },
  { name: "defaultUrl", covers: ["defaultUrl"], profile: [{ defaultUrl: "/lab" }, { default_url: "/lab" }] },
  { name: "defaultUrl of a profile wins over the hub's default_url", covers: ["defaultUrl"], hub: { spawner: { default_url: "/tree" }, args: ["--env", "JUPYTERHUB_DEFAULT_URL=/tree"] }, choice: [{ defaultUrl: "/lab" }, { default_url: "/lab" }] },
  {
    name: "the hub's cmd and args become the container's args",
    covers: [],
    hub: { spawner: { cmd: ["jupyterhub-singleuser"], args: ["--debug"] }, args: ["--hub-cmd", "jupyterhub-singleuser", "--hub-arg=--debug"] },
  },
  {
    name: "MEM_/CPU_ from the container after a patch changed its resources",
    covers: [],
    profile: [{ memLimit: "1G", cpuLimit: 1 }, { mem_limit: "2G", cpu_limit: 1.5 }],
    patches: {
      "10-bigger": fn('(ctx) => ({ kind: "Pod", metadata: { name: ctx.key }, spec: { containers: [{ name: "notebook", resources: { limits: { memory: "2Gi", cpu: "1500m" } } }] } })'),
    },
  },
  {
    name: "everything at once, over four levels",
    covers: ["nodeSelector", "tolerations", "extraResourceLimits", "uid", "fsGid", "extraLabels", "storage", "startTimeout"],
    defaults: [
      { uid: 1000, fsGid: 100, nodeSelector: { "hub.jupyter.org/node-purpose": "user" }, extraLabels: { site: "eu" }, storage: { capacity: "10Gi" }, startTimeout: 300 },
      {
        uid: 1000,
        fs_gid: 100,
        node_selector: { "hub.jupyter.org/node-purpose": "user" },
        extra_labels: { site: "eu" },
        storage_pvc_ensure: true,
        storage_capacity: "10Gi",
        storage_access_modes: ["ReadWriteOnce"],
        volumes: { home: { name: "home", persistentVolumeClaim: { claimName: "{pvc_name}" } } },
        volume_mounts: { home: { name: "home", mountPath: "/home/jovyan" } },
        start_timeout: 300,
      },
    ],
    cluster: [{ storage: { storageClass: "standard-rwo" }, extraLabels: { cluster: "gke" } }, { storage_class: "standard-rwo", extra_labels: { cluster: "gke" } }],
    profile: [
      { image: "pangeo/ml-notebook:2026.1", extraResourceLimits: { "nvidia.com/gpu": 1 }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }], startTimeout: 900 },
      { image: "pangeo/ml-notebook:2026.1", extra_resource_limits: { "nvidia.com/gpu": 1 }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }], start_timeout: 900 },
    ],
    choice: [
      { extraResourceLimits: { "nvidia.com/gpu": 2 }, nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4" }, startTimeout: 1200 },
      { extra_resource_limits: { "nvidia.com/gpu": 2 }, node_selector: { "cloud.google.com/gke-accelerator": "nvidia-l4" }, start_timeout: 1200 },
    ],
  },
  { name: "startTimeout of a profile", covers: ["startTimeout"], profile: [{ startTimeout: 600 }, { start_timeout: 600 }] },
  {
    name: "JUPYTER_IMAGE follows the chosen image",
    covers: [],
    choice: [{ image: "pangeo/pytorch-notebook:2026.1", imagePullPolicy: "Always" }, { image: "pangeo/pytorch-notebook:2026.1", image_pull_policy: "Always" }],
  },
];

function mcksConfig(c: Case): string {
  const settings = (l?: Level) => (l ? l[0] : {});
  const config = {
    clusters: { c: { context: "ctx", ingressPublicUrl: "https://c.example.org", defaults: settings(c.cluster) } },
    defaults: { image: IMAGE, serviceAccount: false, ...settings(c.defaults), ...(c.patches ? { patches: c.patches } : {}) },
    profiles: [
      {
        slug: "p",
        displayName: "P",
        cluster: "c",
        ...settings(c.profile),
        options: { o: { displayName: "O", choices: { x: { displayName: "X", overrides: settings(c.choice) } } } },
      },
    ],
  };
  return `import { defineConfig } from "multicluster-kubespawner";\nexport default defineConfig(${printTs(config)});\n`;
}

function kubeSpawnerCase(c: Case, id: string): KubeSpawnerCase {
  const traits = (l?: Level) => (l ? l[1] : {});
  return {
    id,
    user: "alice",
    kubespawner: {
      image: IMAGE,
      // mcks's claim name (<key>-home); KubeSpawner names its claim when the spawner is made, before any override.
      pvc_name_template: "jupyter-{username}-home",
      ...traits(c.defaults),
      profile_list: [
        {
          display_name: "P",
          slug: "p",
          kubespawner_override: traits(c.cluster),
          profile_options: {
            "1-profile": { display_name: "profile level", choices: { only: { display_name: "only", default: true, kubespawner_override: traits(c.profile) } } },
            "2-choice": { display_name: "choice level", choices: { x: { display_name: "X", default: true, kubespawner_override: traits(c.choice) } } },
          },
        },
      ],
    },
    spawner: c.hub?.spawner ?? {},
    user_options: { profile: "p" },
  };
}

/** KubeSpawner's pod with the variables a case expects mcks to set differently. */
function withEnv(pod: Obj, env: Readonly<Record<string, string>> | undefined): Obj {
  if (!env) return pod;
  const copy = structuredClone(pod) as { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } };
  for (const e of copy.spec.containers[0]?.env ?? []) if (e.name in env) e.value = env[e.name];
  return copy as unknown as Obj;
}

test(`${CASES.length} cases cover every native setting`, () => {
  assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
  const covered = new Set(CASES.flatMap((c) => c.covers));
  for (const setting of [...Object.keys(NATIVE_VALUE_SCHEMAS), "startTimeout"]) assert.ok(covered.has(setting), `no case covers ${setting}`);
});

test("the Pod mcks dry-run prints equals KubeSpawner 7.1.0's, case by case", async () => {
  const ids = CASES.map((_, i) => `case-${i}`);
  const reference = kubeSpawnerPods(CASES.map((c, i) => kubeSpawnerCase(c, ids[i] as string)));
  const results = await inPairs(
    CASES.map((c) => async () => {
      const config = writeConfig(mcksConfig(c));
      const args = ["--user", "alice", "--profile", "p", "--option", "o=x", ...(c.hub?.args ?? [])];
      return { objects: await dryRun(config, args), header: c.covers.includes("startTimeout") ? await dryRunHeader(config, args) : "" };
    }),
  );
  const failures: string[] = [];
  CASES.forEach((c, i) => {
    const ks = reference[ids[i] as string];
    const { objects, header } = results[i] as { objects: Obj[]; header: string };
    const pod = objects.find((o) => o.kind === "Pod") as Obj;
    const claim = objects.find((o) => o.kind === "PersistentVolumeClaim");
    try {
      assert.ok(ks);
      assert.deepEqual(normalizePod(pod, "mcks"), withEnv(normalizePod(ks.pod, "kubespawner"), c.mcksEnv));
      assert.deepEqual(normalizeClaim(claim), normalizeClaim(ks.pvc));
      if (header) assert.match(header, new RegExp(`start timeout ${ks.start_timeout} s$`));
    } catch (err) {
      failures.push(`case ${i} "${c.name}":\n${err instanceof Error ? err.message : String(err)}`);
    }
  });
  assert.equal(failures.length, 0, failures.join("\n\n"));
});
