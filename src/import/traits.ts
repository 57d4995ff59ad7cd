/**
 * KubeSpawner traits (what `kubespawner_override` and the chart's hub config set) → mcks settings.
 * The layering needs no translation: mcks merges settings the way KubeSpawner applies overrides
 * (a mapping merges into the mapping before it, anything else replaces it).
 */
import { isObj } from "../objects/plain-data.ts";
import type { Report } from "./code.ts";
import { perUser } from "./placeholders.ts";

/** Trait → setting name, for traits whose value carries over as is. */
const SAME: Readonly<Record<string, string>> = {
  image: "image",
  image_spec: "image",
  image_pull_policy: "imagePullPolicy",
  image_pull_secrets: "imagePullSecrets",
  port: "port",
  mem_limit: "memLimit",
  mem_guarantee: "memGuarantee",
  cpu_limit: "cpuLimit",
  cpu_guarantee: "cpuGuarantee",
  extra_resource_limits: "extraResourceLimits",
  extra_resource_guarantees: "extraResourceGuarantees",
  node_selector: "nodeSelector",
  tolerations: "tolerations",
  uid: "uid",
  gid: "gid",
  fs_gid: "fsGid",
  supplemental_gids: "supplementalGids",
  allow_privilege_escalation: "allowPrivilegeEscalation",
  container_security_context: "containerSecurityContext",
  pod_security_context: "podSecurityContext",
  lifecycle_hooks: "lifecycleHooks",
  priority_class_name: "priorityClassName",
  scheduler_name: "schedulerName",
  automount_service_account_token: "automountServiceAccountToken",
  extra_container_config: "extraContainerConfig",
  default_url: "defaultUrl",
  start_timeout: "startTimeout",
};

/** Traits KubeSpawner expands `{username}` fields in (its `_expand_all`). */
const PER_USER: Readonly<Record<string, string>> = {
  volumes: "volumes",
  volume_mounts: "volumeMounts",
  init_containers: "initContainers",
  extra_containers: "extraContainers",
  extra_labels: "extraLabels",
  extra_annotations: "extraAnnotations",
  extra_pod_config: "extraPodConfig",
  service_account: "serviceAccountName",
  working_dir: "workingDir",
};

const AFFINITY: Readonly<Record<string, string>> = {
  node_affinity_required: "nodeAffinityRequired",
  node_affinity_preferred: "nodeAffinityPreferred",
  pod_affinity_required: "podAffinityRequired",
  pod_affinity_preferred: "podAffinityPreferred",
  pod_anti_affinity_required: "podAntiAffinityRequired",
  pod_anti_affinity_preferred: "podAntiAffinityPreferred",
};

const STORAGE: Readonly<Record<string, string>> = {
  storage_capacity: "capacity",
  storage_class: "storageClass",
  storage_access_modes: "accessModes",
};

/** Why a trait has no mcks setting, and what to do instead. */
const NOT_MAPPED: Readonly<Record<string, string>> = {
  pod_name_template: "mcks names a server's objects jupyter-<user>[--<server>]",
  pvc_name_template: "mcks names the home volume's claim <key>-home; existing claims named otherwise are not reused (copy the data, or mount the old claim with volumes)",
  volume_name_template: "mcks names the home volume \"home\"",
  namespace: "the namespace is a cluster setting: clusters.<name>.namespace",
  enable_user_namespaces: "per-user namespaces are a cluster setting: clusters.<name>.namespace with {{username}} and createNamespace",
  user_namespace_template: "per-user namespaces are a cluster setting: clusters.<name>.namespace with {{username}}",
  storage_selector: "mcks's storage has no PV selector; write the PersistentVolumeClaim as a resource",
  storage_extra_labels: "add labels to the home claim with a patch on PersistentVolumeClaim <key>-home",
  storage_extra_annotations: "add annotations to the home claim with a patch on PersistentVolumeClaim <key>-home",
  notebook_dir: "set c.Spawner.notebook_dir on the hub: it reaches the pod as JUPYTERHUB_ROOT_DIR",
  events_enabled: "mcks always reports the pod's events as start progress",
  common_labels: "mcks sets its own labels on every object; add yours with extraLabels",
  delete_grace_period: "mcks stops with Kubernetes' default grace period (0 when the hub stops a server now)",
  http_timeout: "the route is checked until startTimeout",
  k8s_api_request_timeout: "a daemon setting, not a profile's",
  profile_form_template: "the spawn page is the hub's; see the README's form",
};

export interface MappedLevel {
  readonly settings: Record<string, unknown>;
  /** KubeSpawner's `cmd` / `args` at this level, when set (mcks's args are computed across levels). */
  readonly cmd?: unknown;
  readonly args?: unknown;
}

function envValue(name: string, value: unknown, path: string, report: Report): unknown {
  if (typeof value === "string") return perUser(value, `${path}.${name}`, report);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return undefined;
  report(`${path}.${name}`, "mcks's environment holds text; a variable from valueFrom (a Secret, a field) is added with a patch on the Pod's notebook container");
  return undefined;
}

/**
 * The chart takes extraEnv as a mapping or as a list of Kubernetes EnvVar: a list's entries
 * become the mapping's (`{name, value}` → name: value; valueFrom stays, and envValue reports it).
 */
function envEntries(value: unknown, where: string, report: Report): Array<[string, unknown]> | undefined {
  if (isObj(value)) return Object.entries(value);
  if (!Array.isArray(value)) return undefined;
  const out: Array<[string, unknown]> = [];
  value.forEach((e, i) => {
    const v = e as { name?: unknown; value?: unknown; valueFrom?: unknown } | null;
    if (typeof v !== "object" || v === null || typeof v.name !== "string") report(`${where}[${i}]`, "expected an EnvVar with a name");
    else out.push([v.name, v.valueFrom !== undefined ? { valueFrom: v.valueFrom } : (v.value ?? "")]);
  });
  return out;
}

function storageOf(traits: Record<string, unknown>): Record<string, unknown> | false | undefined {
  if (traits.storage_pvc_ensure === false) return false;
  const out: Record<string, unknown> = {};
  for (const [trait, field] of Object.entries(STORAGE)) if (traits[trait] !== undefined) out[field] = traits[trait];
  if (traits.storage_pvc_ensure === true || Object.keys(out).length > 0) return out;
  return undefined;
}

/** One level's traits (global, a profile's or a choice's override) → mcks settings of that level. */
export function settingsFromTraits(traits: Record<string, unknown>, path: string, report: Report): MappedLevel {
  const settings: Record<string, unknown> = {};
  const affinity: Record<string, unknown> = {};
  let cmd: unknown;
  let args: unknown;
  for (const [trait, value] of Object.entries(traits)) {
    const where = `${path}.${trait}`;
    if (trait === "cmd") cmd = value;
    else if (trait === "args") args = value;
    else if (trait in SAME) settings[SAME[trait] as string] = value;
    else if (trait in PER_USER) {
      const v = perUser(value, where, report);
      if (v !== undefined) settings[PER_USER[trait] as string] = v;
    } else if (trait in AFFINITY) affinity[AFFINITY[trait] as string] = value;
    else if (trait === "privileged") {
      if (value === true) settings.containerSecurityContext = { privileged: true, ...(settings.containerSecurityContext as object | undefined) };
    } else if (trait === "environment") {
      const entries = envEntries(value, where, report);
      if (entries) {
        const env: Record<string, unknown> = {};
        for (const [name, v] of entries) {
          const e = envValue(name, v, where, report);
          if (e !== undefined) env[name] = e;
        }
        settings.environment = env;
      } else report(where, "expected a mapping of variable names to values, or a list of EnvVar ({name, value})");
    } else if (trait in STORAGE || trait === "storage_pvc_ensure") continue;
    else report(where, NOT_MAPPED[trait] ?? "no mcks setting; a strategic-merge patch on the Pod can set any field");
  }
  if (Object.keys(affinity).length > 0) settings.affinity = affinity;
  const storage = storageOf(traits);
  if (storage !== undefined) settings.storage = storage;
  return { settings, ...(cmd !== undefined ? { cmd } : {}), ...(args !== undefined ? { args } : {}) };
}

function asList(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * KubeSpawner runs `cmd + args` as the container's args (the image's entrypoint stays); with no
 * cmd it ignores args. mcks's `args` at a level is that list, computed from what is in effect.
 */
export function argsSetting(cmd: unknown, args: unknown): string[] {
  const c = asList(cmd);
  return c.length === 0 ? [] : [...c, ...asList(args)];
}
