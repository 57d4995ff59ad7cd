/**
 * Merging the native settings (config/native-settings.ts) over the levels, as KubeSpawner
 * applies `kubespawner_override`: a mapping is merged into the mapping an earlier level left
 * (recursively; `null` removes a key), anything else replaces it. A per-user function is called
 * with the spawn (less `spawn`) where its level applies, and its result checked like a literal.
 */
import { functionFailed, UserError } from "../errors.ts";
import { DEFAULTS } from "../config/defaults.ts";
import { NATIVE_VALUE_SCHEMAS } from "../config/native-schema.ts";
import type { ResolvedNativeSettings, SettingsContext } from "../config/native-settings.ts";
import type { KubeFields } from "../config/kube-shapes.ts";
import { formatPath } from "../config/problems.ts";
import { isObj, mergeTree } from "../objects/plain-data.ts";
import type { SettingsLayer } from "./choose-options.ts";

type Obj = Record<string, unknown>;
type Key = keyof typeof NATIVE_VALUE_SCHEMAS;

function evaluate(key: Key, layer: SettingsLayer, ctx: SettingsContext): unknown {
  const raw = (layer.settings as Obj)[key];
  if (typeof raw !== "function") return raw;
  let value: unknown;
  try {
    value = (raw as (c: SettingsContext) => unknown)(ctx);
  } catch (err) {
    throw functionFailed(`${layer.from}: the function of ${key}`, err);
  }
  if (value === undefined) return undefined;
  const checked = NATIVE_VALUE_SCHEMAS[key].safeParse(value, { reportInput: true });
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${formatPath([key, ...i.path])}: ${i.message}`);
    throw new UserError(`${layer.from}: the function of ${key} returned a value that is not a valid ${key}`, problems);
  }
  return value;
}

/** The value each level leaves, KubeSpawner's way. */
function merged(key: Key, layers: readonly SettingsLayer[], ctx: SettingsContext): unknown {
  let value: unknown;
  for (const layer of layers) {
    const v = evaluate(key, layer, ctx);
    if (v === undefined) continue;
    value = isObj(v) ? mergeTree(isObj(value) ? value : {}, v) : structuredClone(v);
  }
  return value;
}

/** A list, or a keyed mapping's entries in key order (KubeSpawner's _sorted_dict_values). */
function list(v: unknown): KubeFields[] {
  if (Array.isArray(v)) return v as KubeFields[];
  if (!isObj(v)) return [];
  return Object.keys(v)
    .sort()
    .map((k) => v[k])
    .filter((e): e is KubeFields => isObj(e));
}

function map<T>(v: unknown): Record<string, T> {
  return isObj(v) ? (Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined)) as Record<string, T>) : {};
}

const optional = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

function storageOf(v: unknown, layers: readonly SettingsLayer[]): ResolvedNativeSettings["storage"] {
  if (!isObj(v)) return undefined;
  if (typeof v.capacity !== "string") {
    throw new UserError(`storage is on but has no capacity after merging ${layers.map((l) => l.from).join(", ")}; set storage.capacity (e.g. "10Gi"), or storage: false`);
  }
  return Object.freeze({
    capacity: v.capacity,
    storageClass: optional<string>(v.storageClass),
    accessModes: (v.accessModes as string[] | undefined) ?? [...DEFAULTS.storage.accessModes],
    mountPath: (v.mountPath as string | undefined) ?? DEFAULTS.storage.mountPath,
  });
}

export function mergeNative(layers: readonly SettingsLayer[], ctx: SettingsContext, configStartTimeout: number): ResolvedNativeSettings {
  const m = (key: Key) => merged(key, layers, ctx);
  const mergedAffinity = m("affinity");
  const affinity = isObj(mergedAffinity) ? mergedAffinity : {};
  const allowPrivilegeEscalation = m("allowPrivilegeEscalation");
  let startTimeout = configStartTimeout;
  for (const l of layers) if (typeof l.settings.startTimeout === "number") startTimeout = l.settings.startTimeout;
  const settings: ResolvedNativeSettings = {
    nodeSelector: map(m("nodeSelector")),
    tolerations: list(m("tolerations")),
    affinity: {
      nodeAffinityRequired: list(affinity.nodeAffinityRequired),
      nodeAffinityPreferred: list(affinity.nodeAffinityPreferred),
      podAffinityRequired: list(affinity.podAffinityRequired),
      podAffinityPreferred: list(affinity.podAffinityPreferred),
      podAntiAffinityRequired: list(affinity.podAntiAffinityRequired),
      podAntiAffinityPreferred: list(affinity.podAntiAffinityPreferred),
    },
    extraResourceLimits: map(m("extraResourceLimits")),
    extraResourceGuarantees: map(m("extraResourceGuarantees")),
    uid: optional(m("uid")),
    gid: optional(m("gid")),
    fsGid: optional(m("fsGid")),
    supplementalGids: (m("supplementalGids") as number[] | undefined) ?? [],
    allowPrivilegeEscalation: allowPrivilegeEscalation === undefined ? DEFAULTS.spawn.allowPrivilegeEscalation : optional(allowPrivilegeEscalation),
    containerSecurityContext: map(m("containerSecurityContext")),
    podSecurityContext: map(m("podSecurityContext")),
    volumes: list(m("volumes")),
    volumeMounts: list(m("volumeMounts")),
    storage: storageOf(m("storage"), layers),
    initContainers: list(m("initContainers")),
    extraContainers: list(m("extraContainers")),
    lifecycleHooks: map(m("lifecycleHooks")),
    workingDir: optional(m("workingDir")),
    imagePullSecrets: ((m("imagePullSecrets") as unknown[] | undefined) ?? []).map((s) => (typeof s === "string" ? { name: s } : (s as { name: string }))),
    extraLabels: map(m("extraLabels")),
    extraAnnotations: map(m("extraAnnotations")),
    priorityClassName: optional(m("priorityClassName")),
    schedulerName: optional(m("schedulerName")),
    serviceAccountName: optional(m("serviceAccountName")),
    automountServiceAccountToken: optional(m("automountServiceAccountToken")),
    extraPodConfig: map(m("extraPodConfig")),
    extraContainerConfig: map(m("extraContainerConfig")),
    defaultUrl: optional(m("defaultUrl")),
    startTimeout,
  };
  const csc: Obj = { ...(settings.allowPrivilegeEscalation === false ? { allowPrivilegeEscalation: false } : {}), ...settings.containerSecurityContext };
  if (csc.privileged === true && csc.allowPrivilegeEscalation === false) {
    throw new UserError(
      `containerSecurityContext.privileged is true while allowPrivilegeEscalation is false (the default), which Kubernetes refuses; set allowPrivilegeEscalation: true (or null) where you set privileged`,
    );
  }
  return settings;
}
