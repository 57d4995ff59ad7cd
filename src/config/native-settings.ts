/**
 * The settings KubeSpawner users know, camelCased (KubeSpawner's `node_selector` is
 * `nodeSelector`). They layer like KubeSpawner's overrides: defaults → the cluster's defaults →
 * the profile → each chosen option; a mapping merges into the one before it (a key set to
 * `null` removes it), anything else replaces it. A list may also be written as a mapping of
 * arbitrary keys (as z2jh does), so a later level can add or remove one entry; its values are
 * used in key order.
 *
 * Any of them may be a function of the spawn (`(ctx) => …`, without `ctx.spawn`, which these
 * settings make): per-user values, like KubeSpawner's `{username}` fields.
 */
import type { Container, KubeFields, LifecycleHooks, NodeSelectorTerm, PodAffinityTerm, PreferredSchedulingTerm, Toleration, Volume, VolumeMount, WeightedPodAffinityTerm } from "./kube-shapes.ts";
import type { SpawnContext } from "./types.ts";

/** What a per-user setting's function sees: the spawn, without the settings it is computing. */
export type SettingsContext = Omit<SpawnContext, "spawn">;

/** A value, or a function of the spawn returning it. */
export type PerUser<T> = T | ((ctx: SettingsContext) => T);

/** A list, or a mapping of keys to entries (`null` removes an earlier level's entry). */
export type KeyedList<T> = readonly T[] | Readonly<Record<string, T | null>>;

/** A mapping in which `null` removes a key an earlier level set. */
export type Mergeable<T> = Readonly<Record<string, T | null>>;

export interface AffinitySettings {
  /** Node labels the pod requires (KubeSpawner's `node_affinity_required`): NodeSelectorTerms, any of which may match. */
  readonly nodeAffinityRequired?: KeyedList<NodeSelectorTerm>;
  /** Node labels the pod prefers (`node_affinity_preferred`): weighted terms. */
  readonly nodeAffinityPreferred?: KeyedList<PreferredSchedulingTerm>;
  readonly podAffinityRequired?: KeyedList<PodAffinityTerm>;
  readonly podAffinityPreferred?: KeyedList<WeightedPodAffinityTerm>;
  readonly podAntiAffinityRequired?: KeyedList<PodAffinityTerm>;
  readonly podAntiAffinityPreferred?: KeyedList<WeightedPodAffinityTerm>;
}

/** The server's home volume: a PersistentVolumeClaim per server, kept across stops, deleted with the server or the user. */
export interface StorageSettings {
  /** Size of the claim, e.g. `"10Gi"`. Required once storage is on. */
  readonly capacity?: string;
  /** StorageClass of the claim (per cluster, usually: `clusters.<name>.defaults.storage.storageClass`). Default: the cluster's default class. */
  readonly storageClass?: string;
  /** Default `["ReadWriteOnce"]`. */
  readonly accessModes?: readonly string[];
  /** Where the notebook container mounts it. Default `/home/jovyan`. */
  readonly mountPath?: string;
}

export interface NativeSettings {
  /** Node labels the pod must run on (`spec.nodeSelector`). */
  nodeSelector?: PerUser<Mergeable<string>>;
  tolerations?: PerUser<KeyedList<Toleration>>;
  /** Node and pod affinity / anti-affinity, required and preferred, as KubeSpawner's six settings. */
  affinity?: PerUser<AffinitySettings>;
  /** More resource limits of the notebook container, e.g. `{ "nvidia.com/gpu": 1 }`. */
  extraResourceLimits?: PerUser<Mergeable<string | number>>;
  /** More resource requests of the notebook container. */
  extraResourceGuarantees?: PerUser<Mergeable<string | number>>;
  /** The container's `runAsUser`. */
  uid?: PerUser<number | null>;
  /** The container's `runAsGroup`. */
  gid?: PerUser<number | null>;
  /** The pod's `fsGroup`: the group that owns fresh volumes. */
  fsGid?: PerUser<number | null>;
  /** The pod's `supplementalGroups`. */
  supplementalGids?: PerUser<readonly number[]>;
  /** The container's `allowPrivilegeEscalation`. Default `false`, as KubeSpawner; `null` leaves it unset. */
  allowPrivilegeEscalation?: PerUser<boolean | null>;
  /** Merged over what uid, gid and allowPrivilegeEscalation give. */
  containerSecurityContext?: PerUser<Mergeable<unknown>>;
  /** Merged over what fsGid and supplementalGids give. */
  podSecurityContext?: PerUser<Mergeable<unknown>>;
  volumes?: PerUser<KeyedList<Volume>>;
  /** Mounts of the notebook container. */
  volumeMounts?: PerUser<KeyedList<VolumeMount>>;
  /** A home volume per server; `false` turns off an earlier level's. */
  storage?: PerUser<StorageSettings | false>;
  initContainers?: PerUser<KeyedList<Container>>;
  /** Containers next to the notebook container. */
  extraContainers?: PerUser<KeyedList<Container>>;
  /** The notebook container's `lifecycle` (postStart, preStop). */
  lifecycleHooks?: PerUser<LifecycleHooks>;
  /** The notebook container's working directory. */
  workingDir?: PerUser<string>;
  /** Secrets to pull the images with: names or `{ name }`. */
  imagePullSecrets?: PerUser<readonly (string | { readonly name: string })[]>;
  /** Labels of the Pod (mcks's own labels always win). */
  extraLabels?: PerUser<Mergeable<string>>;
  /** Annotations of the Pod. */
  extraAnnotations?: PerUser<Mergeable<string>>;
  priorityClassName?: PerUser<string>;
  schedulerName?: PerUser<string>;
  /** Run the pod as this existing ServiceAccount (mcks then creates none). */
  serviceAccountName?: PerUser<string>;
  /** Mount the ServiceAccount's token. Default: only with a ServiceAccount. */
  automountServiceAccountToken?: PerUser<boolean>;
  /** Pod spec fields, set over everything above (a field given here replaces the whole field). */
  extraPodConfig?: PerUser<Mergeable<unknown>>;
  /** Notebook container fields, set over everything above (a field replaces the whole field). */
  extraContainerConfig?: PerUser<Mergeable<unknown>>;
  /** Where the user lands (`/lab`, `/tree`), as JupyterHub's `default_url`; wins over the hub's. */
  defaultUrl?: PerUser<string>;
  /** Seconds a start may take before it fails and is cleaned up (a GPU profile whose pool scales up from zero may need 900). Default: the config's `startTimeout`. */
  startTimeout?: number;
}

/** The native settings after merging and evaluating: plain data, lists as lists. */
export interface ResolvedNativeSettings {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly KubeFields[];
  readonly affinity: {
    readonly nodeAffinityRequired: readonly KubeFields[];
    readonly nodeAffinityPreferred: readonly KubeFields[];
    readonly podAffinityRequired: readonly KubeFields[];
    readonly podAffinityPreferred: readonly KubeFields[];
    readonly podAntiAffinityRequired: readonly KubeFields[];
    readonly podAntiAffinityPreferred: readonly KubeFields[];
  };
  readonly extraResourceLimits: Readonly<Record<string, string | number>>;
  readonly extraResourceGuarantees: Readonly<Record<string, string | number>>;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly fsGid: number | undefined;
  readonly supplementalGids: readonly number[];
  readonly allowPrivilegeEscalation: boolean | undefined;
  readonly containerSecurityContext: Readonly<Record<string, unknown>>;
  readonly podSecurityContext: Readonly<Record<string, unknown>>;
  readonly volumes: readonly KubeFields[];
  readonly volumeMounts: readonly KubeFields[];
  readonly storage: { readonly capacity: string; readonly storageClass: string | undefined; readonly accessModes: readonly string[]; readonly mountPath: string } | undefined;
  readonly initContainers: readonly KubeFields[];
  readonly extraContainers: readonly KubeFields[];
  readonly lifecycleHooks: Readonly<Record<string, unknown>>;
  readonly workingDir: string | undefined;
  readonly imagePullSecrets: readonly { readonly name: string }[];
  readonly extraLabels: Readonly<Record<string, string>>;
  readonly extraAnnotations: Readonly<Record<string, string>>;
  readonly priorityClassName: string | undefined;
  readonly schedulerName: string | undefined;
  readonly serviceAccountName: string | undefined;
  readonly automountServiceAccountToken: boolean | undefined;
  readonly extraPodConfig: Readonly<Record<string, unknown>>;
  readonly extraContainerConfig: Readonly<Record<string, unknown>>;
  readonly defaultUrl: string | undefined;
  /** Seconds. */
  readonly startTimeout: number;
}
