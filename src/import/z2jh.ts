/**
 * `mcks import --from z2jh`: a zero-to-jupyterhub values file → an mcks config for one cluster.
 *
 * It does what the chart does before KubeSpawner sees anything: the chart's defaults merged
 * under the file (helm's rules), `singleuser.*` and `scheduling.userPods.*` turned into
 * KubeSpawner traits as the chart's hub config turns them, then each trait level (global,
 * profile, choice) into mcks settings (traits.ts). Every key it cannot carry over is reported
 * with the reason, and so are chart defaults whose behaviour mcks does not reproduce.
 */
import { isObj, mergeTree } from "../objects/plain-data.ts";
import { Code } from "./code.ts";
import type { Report, Unmapped } from "./code.ts";
import { withValue } from "./placeholders.ts";
import { printTs } from "./print.ts";
import { argsSetting, settingsFromTraits } from "./traits.ts";
import { z2jhDefaults } from "./z2jh-defaults.ts";

export interface ImportOptions {
  /** Name of the one cluster in the generated config. */
  readonly cluster: string;
  readonly context: string;
  readonly ingressPublicUrl: string;
  /** The chart version whose image tags the chart's defaults use. */
  readonly chartVersion: string;
}

export interface ImportResult {
  /** The config as data (functions as `Code`). */
  readonly config: Record<string, unknown>;
  readonly unmapped: readonly Unmapped[];
}

type Obj = Record<string, unknown>;

function get(values: unknown, path: string): unknown {
  let cur = values;
  for (const part of path.split(".")) {
    if (!isObj(cur) || cur[part] === undefined || cur[part] === null) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** `singleuser.<key>` → trait, as the chart's hub config maps them one to one. */
const SINGLEUSER_TRAITS: ReadonlyArray<readonly [string, string]> = [
  ["image.pullPolicy", "image_pull_policy"],
  ["extraLabels", "extra_labels"],
  ["extraAnnotations", "extra_annotations"],
  ["uid", "uid"],
  ["fsGid", "fs_gid"],
  ["serviceAccountName", "service_account"],
  ["nodeSelector", "node_selector"],
  ["extraNodeAffinity.required", "node_affinity_required"],
  ["extraNodeAffinity.preferred", "node_affinity_preferred"],
  ["extraPodAffinity.required", "pod_affinity_required"],
  ["extraPodAffinity.preferred", "pod_affinity_preferred"],
  ["extraPodAntiAffinity.required", "pod_anti_affinity_required"],
  ["extraPodAntiAffinity.preferred", "pod_anti_affinity_preferred"],
  ["lifecycleHooks", "lifecycle_hooks"],
  ["initContainers", "init_containers"],
  ["extraContainers", "extra_containers"],
  ["memory.limit", "mem_limit"],
  ["memory.guarantee", "mem_guarantee"],
  ["cpu.limit", "cpu_limit"],
  ["cpu.guarantee", "cpu_guarantee"],
  ["extraResource.limits", "extra_resource_limits"],
  ["extraResource.guarantees", "extra_resource_guarantees"],
  ["extraEnv", "environment"],
  ["extraPodConfig", "extra_pod_config"],
  ["startTimeout", "start_timeout"],
];

/** Keys of the values file this conversion reads (a key below one of these is read too). */
const READ = [
  ...SINGLEUSER_TRAITS.map(([k]) => `singleuser.${k}`),
  "singleuser.image",
  "singleuser.allowPrivilegeEscalation",
  "singleuser.extraTolerations",
  "singleuser.storage.type",
  "singleuser.storage.capacity",
  "singleuser.storage.homeMountPath",
  "singleuser.storage.dynamic.storageClass",
  "singleuser.storage.dynamic.storageAccessModes",
  "singleuser.storage.static",
  "singleuser.storage.extraVolumes",
  "singleuser.storage.extraVolumeMounts",
  "singleuser.cloudMetadata",
  "singleuser.networkTools",
  "singleuser.cmd",
  "singleuser.defaultUrl",
  "singleuser.profileList",
  "scheduling.userPods",
  "imagePullSecrets",
];

/** Why a key is not carried over (the longest matching prefix wins). */
const REASONS: ReadonlyArray<readonly [string, string]> = [
  ["singleuser.podNameTemplate", "mcks names a server's objects jupyter-<user>[--<server>]"],
  ["singleuser.networkPolicy", "mcks creates no NetworkPolicy; add one under resources if the cluster enforces them"],
  ["singleuser.events", "mcks always reports the pod's events as start progress"],
  ["singleuser.extraFiles", "the chart keeps these files in a Secret of its own cluster; add a ConfigMap or Secret under resources and mount it with volumes/volumeMounts"],
  ["singleuser.storage.extraLabels", "add labels to the home claim with a patch on PersistentVolumeClaim <key>-home"],
  ["singleuser.storage.dynamic.pvcNameTemplate", "mcks names the home volume's claim <key>-home; existing claims named otherwise are not reused"],
  ["singleuser.storage.dynamic.volumeNameTemplate", "mcks names the home volume \"home\""],
  ["singleuser.storage.dynamic.subPath", "mcks's storage mounts the whole claim; mount a subPath with volumes/volumeMounts instead"],
  ["scheduling.userScheduler", "the chart's user scheduler runs only in its own cluster; a schedulerName naming it would leave pods Pending elsewhere (set schedulerName if the target cluster has one)"],
  ["scheduling.podPriority", "the chart's PriorityClass exists only in its own cluster; set priorityClassName to one the target cluster has"],
  ["scheduling", "only scheduling.userPods (tolerations, node affinity) shapes user pods"],
  ["imagePullSecret", "the chart creates this pull secret in its own cluster; create it in the target cluster and name it in imagePullSecrets"],
];
const OTHER_SECTION = "the hub's and the chart's own settings, not the user servers': they stay in the hub's configuration";

/** The leaf paths a values tree sets (a list counts as one leaf). */
function leaves(value: unknown, path: string): string[] {
  if (!isObj(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
}

/** Whether the file sets `path`, null included (null removes a chart default). */
function hasPath(values: unknown, path: string): boolean {
  const parts = path.split(".");
  const parent = get(values, parts.slice(0, -1).join("."));
  return isObj(parent) && (parts.at(-1) as string) in parent;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

function reportUnread(values: Obj, report: Report): void {
  for (const path of leaves(values, "")) {
    if (path === "" || READ.some((r) => under(path, r))) continue;
    const top = path.split(".")[0] as string;
    if (top !== "singleuser" && top !== "scheduling" && top !== "imagePullSecret") continue;
    const reason = REASONS.filter(([p]) => under(path, p)).sort((a, b) => b[0].length - a[0].length)[0]?.[1];
    report(path, reason ?? "no mcks setting; a strategic-merge patch on the Pod can set any field");
  }
  for (const top of Object.keys(values)) {
    if (!["singleuser", "scheduling", "imagePullSecret", "imagePullSecrets"].includes(top)) report(top, OTHER_SECTION);
  }
}

/** Chart defaults whose behaviour the generated config does not have (reported even when not in the file). */
function reportDefaults(merged: Obj, user: Obj, report: Report): void {
  const fromChart = (path: string) => (get(user, path) === undefined ? " (a chart default)" : "");
  if (get(merged, "scheduling.userScheduler.enabled") === true) {
    report("scheduling.userScheduler.enabled", `${REASONS.find(([p]) => p === "scheduling.userScheduler")?.[1]}${fromChart("scheduling.userScheduler.enabled")}`);
  }
  // The chart's claims hold the users' home data; mcks's claim has another name, so say so
  // whenever the chart provisions claims, not only when the file names the template.
  const template = "singleuser.storage.dynamic.pvcNameTemplate";
  if (get(merged, "singleuser.storage.type") === "dynamic" && !hasPath(user, template)) {
    report(template, "mcks names the home volume's claim <key>-home, so the chart's claims (KubeSpawner's default claim-{username}…) are not reused: the users' existing home data stays in them, unseen by their first mcks start; copy it over or mount those claims with volumes (a chart default)");
  }
  if (get(merged, "singleuser.networkPolicy.enabled") === true) {
    report("singleuser.networkPolicy.enabled", `${REASONS.find(([p]) => p === "singleuser.networkPolicy")?.[1]}${fromChart("singleuser.networkPolicy.enabled")}`);
  }
}

/** The chart's KubeSpawner traits and Spawner traits for the whole hub (no storage, no cmd). */
function globalTraits(v: Obj): { traits: Obj; cmd: unknown; defaultUrl: unknown } {
  const su = isObj(v.singleuser) ? v.singleuser : {};
  const t: Obj = {};
  for (const [key, trait] of SINGLEUSER_TRAITS) {
    const value = get(su, key);
    if (value !== undefined) t[trait] = value;
  }
  const image = get(su, "image.name");
  if (typeof image === "string" && image) {
    const tag = get(su, "image.tag");
    t.image = tag ? `${image}:${String(tag)}` : image;
  }
  // null is a value here: it lets KubeSpawner leave allowPrivilegeEscalation unset.
  t.allow_privilege_escalation = su.allowPrivilegeEscalation ?? null;
  const secrets = [...((get(v, "imagePullSecrets") as unknown[]) ?? []), ...((get(su, "image.pullSecrets") as unknown[]) ?? [])];
  if (secrets.length) t.image_pull_secrets = secrets;

  const term = { matchExpressions: [{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] }] };
  const purpose = get(v, "scheduling.userPods.nodeAffinity.matchNodePurpose");
  if (purpose === "prefer") t.node_affinity_preferred = [...((t.node_affinity_preferred as unknown[]) ?? []), { weight: 100, preference: term }];
  if (purpose === "require") t.node_affinity_required = [...((t.node_affinity_required as unknown[]) ?? []), term];
  const tolerations = [...((get(v, "scheduling.userPods.tolerations") as unknown[]) ?? []), ...((su.extraTolerations as unknown[]) ?? [])];
  if (tolerations.length) t.tolerations = tolerations;

  const volumes: Obj = {};
  const mounts: Obj = {};
  const storage = isObj(su.storage) ? su.storage : {};
  if (storage.type === "static") {
    const claim = get(storage, "static.pvcName");
    volumes.home = { name: "home", persistentVolumeClaim: { claimName: claim } };
    const subPath = get(storage, "static.subPath");
    mounts.home = { mountPath: storage.homeMountPath, name: "home", ...(subPath !== undefined ? { subPath } : {}) };
  }
  const extraVolumes = storage.extraVolumes;
  if (isObj(extraVolumes)) Object.assign(volumes, extraVolumes);
  else if (Array.isArray(extraVolumes)) for (const vol of extraVolumes) if (isObj(vol)) volumes[String(vol.name)] = vol;
  const extraMounts = storage.extraVolumeMounts;
  if (isObj(extraMounts)) Object.assign(mounts, extraMounts);
  else if (Array.isArray(extraMounts)) extraMounts.forEach((m, i) => isObj(m) && (mounts[`${i}-${String(m.name)}`] = m));
  if (Object.keys(volumes).length) t.volumes = volumes;
  if (Object.keys(mounts).length) t.volume_mounts = mounts;

  if (get(su, "cloudMetadata.blockWithIptables") === true) {
    const resources = get(su, "networkTools.resources");
    const block: Obj = {
      name: "block-cloud-metadata",
      image: `${String(get(su, "networkTools.image.name"))}:${String(get(su, "networkTools.image.tag"))}`,
      command: ["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination", String(get(su, "cloudMetadata.ip")), "--destination-port", "80", "--jump", "DROP"],
      securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["NET_ADMIN"] } },
      ...(isObj(resources) && Object.keys(resources).length ? { resources } : {}),
    };
    t.init_containers = [...((t.init_containers as unknown[]) ?? []), block];
  }
  return { traits: t, cmd: "cmd" in su ? su.cmd : undefined, defaultUrl: su.defaultUrl ?? undefined };
}

function storageSetting(v: Obj): Obj | undefined {
  if (get(v, "singleuser.storage.type") !== "dynamic") return undefined;
  const s = get(v, "singleuser.storage") as Obj;
  return {
    capacity: s.capacity,
    ...(get(s, "dynamic.storageClass") !== undefined ? { storageClass: get(s, "dynamic.storageClass") } : {}),
    accessModes: get(s, "dynamic.storageAccessModes"),
    mountPath: s.homeMountPath,
  };
}

/** python-slugify's result for plain names: lowercase ASCII words joined by "-". */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const SLUG = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface Level {
  readonly cmd: unknown;
  readonly args: unknown;
}

/** A level's settings, with `args` computed from the cmd/args in effect (KubeSpawner's cmd + args). */
function level(traits: unknown, path: string, parent: Level, report: Report): { settings: Obj; effective: Level } {
  const mapped = settingsFromTraits(isObj(traits) ? traits : {}, path, report);
  const effective = { cmd: mapped.cmd !== undefined ? mapped.cmd : parent.cmd, args: mapped.args !== undefined ? mapped.args : parent.args };
  const settings = { ...mapped.settings };
  if (mapped.cmd !== undefined || mapped.args !== undefined) settings.args = argsSetting(effective.cmd, effective.args);
  return { settings, effective };
}

function unlisted(option: Obj, path: string, parent: Level, report: Report): Obj | undefined {
  const u = option.unlisted_choice;
  if (!isObj(u) || u.enabled !== true) return undefined;
  const regex = typeof u.validation_regex === "string" ? u.validation_regex : undefined;
  if (regex !== undefined) {
    try {
      new RegExp(regex);
    } catch (err) {
      report(`${path}.unlisted_choice.validation_regex`, `not a JavaScript regular expression (${(err as Error).message}); rewrite it`);
      return undefined;
    }
    if (!regex.endsWith("$")) report(`${path}.unlisted_choice.validation_regex`, "KubeSpawner checks only the start of the value; mcks requires the whole value to match it");
  }
  if (u.display_name_in_choices !== undefined) report(`${path}.unlisted_choice.display_name_in_choices`, "the spawn page labels the free-text choice with display_name");
  const { settings } = level(withValue(u.kubespawner_override ?? {}), `${path}.unlisted_choice.kubespawner_override`, parent, report);
  if (settings.startTimeout !== undefined) {
    report(`${path}.unlisted_choice.kubespawner_override.start_timeout`, "mcks takes a start's timeout from the profile or a listed choice, not from free text; set startTimeout on the profile");
    delete settings.startTimeout;
  }
  return {
    displayName: String(u.display_name ?? "Other"),
    ...(regex !== undefined ? { validation: regex } : {}),
    ...(typeof u.validation_message === "string" ? { validationMessage: u.validation_message } : {}),
    overrides: new Code((depth) => `(value) => (${printTs(settings, depth)})`),
  };
}

function options(profileOptions: unknown, path: string, parent: Level, report: Report): Obj | undefined {
  if (!isObj(profileOptions) || Object.keys(profileOptions).length === 0) return undefined;
  const out: Obj = {};
  for (const [name, raw] of Object.entries(profileOptions)) {
    const where = `${path}.${name}`;
    if (!isObj(raw)) {
      report(where, "expected a mapping with display_name and choices");
      continue;
    }
    const choices: Obj = {};
    let defaultChoice: string | undefined;
    for (const [slug, c] of Object.entries(isObj(raw.choices) ? raw.choices : {})) {
      if (!isObj(c)) continue;
      const { settings } = level(c.kubespawner_override, `${where}.choices.${slug}.kubespawner_override`, parent, report);
      const isDefault = c.default === true && firstDefault(defaultChoice, `${where}.choices.${slug}.default`, "choice", report);
      if (isDefault) defaultChoice = slug;
      choices[slug] = {
        displayName: String(c.display_name ?? slug),
        ...(isDefault ? { default: true } : {}),
        ...(Object.keys(settings).length ? { overrides: settings } : {}),
      };
    }
    const u = unlisted(raw, where, parent, report);
    out[name] = { displayName: String(raw.display_name ?? name), choices, ...(u ? { unlisted: u } : {}) };
  }
  return out;
}

/** KubeSpawner takes the first default it finds; mcks allows one, so later ones are reported and dropped. */
function firstDefault(earlier: string | undefined, path: string, what: string, report: Report): boolean {
  if (earlier === undefined) return true;
  report(path, `KubeSpawner uses the first default ${what} (${JSON.stringify(earlier)}); mcks allows one, so this one is not the default`);
  return false;
}

function profiles(list: unknown, cluster: string, top: Level, report: Report): Obj[] {
  const entries: Array<[string, unknown]> = Array.isArray(list)
    ? list.map((p, i) => [`singleuser.profileList[${i}]`, p])
    : isObj(list)
      ? Object.entries(list).map(([k, p]) => [`singleuser.profileList.${k}`, p])
      : [];
  if (entries.length === 0) return [{ slug: "default", displayName: "Default", cluster }];
  const out: Obj[] = [];
  const slugs = new Set<string>();
  let defaultProfile: string | undefined;
  for (const [path, p] of entries) {
    if (!isObj(p)) {
      report(path, "expected a profile (a mapping with display_name)");
      continue;
    }
    const displayName = String(p.display_name ?? "");
    let slug = typeof p.slug === "string" ? p.slug : slugify(displayName);
    if (!SLUG.test(slug)) {
      const fixed = slugify(slug) || `profile-${out.length + 1}`;
      report(`${path}.slug`, `${JSON.stringify(slug)} is not an mcks slug (lowercase letters, digits, dashes); it became ${JSON.stringify(fixed)}, so REST calls must send that`);
      slug = fixed;
    }
    if (slugs.has(slug)) {
      let n = 2;
      while (slugs.has(`${slug}-${n}`)) n++;
      report(`${path}.slug`, `${JSON.stringify(slug)} is already an earlier profile's slug; it became ${JSON.stringify(`${slug}-${n}`)}, so REST calls must send that`);
      slug = `${slug}-${n}`;
    }
    slugs.add(slug);
    const isDefault = p.default === true && firstDefault(defaultProfile, `${path}.default`, "profile", report);
    if (isDefault) defaultProfile = slug;
    for (const k of Object.keys(p)) {
      if (!["display_name", "slug", "description", "default", "kubespawner_override", "profile_options"].includes(k)) report(`${path}.${k}`, "not a KubeSpawner profile key mcks knows");
    }
    const { settings, effective } = level(p.kubespawner_override, `${path}.kubespawner_override`, top, report);
    const opts = options(p.profile_options, `${path}.profile_options`, effective, report);
    out.push({
      slug,
      displayName,
      ...(typeof p.description === "string" ? { description: p.description } : {}),
      ...(isDefault ? { default: true } : {}),
      cluster,
      ...settings,
      ...(opts ? { options: opts } : {}),
    });
  }
  return out;
}

/** Settings in the order the README lists them, so the file reads like the reference. */
const ORDER = ["image", "imagePullPolicy", "imagePullSecrets", "args", "defaultUrl", "environment", "cpuLimit", "cpuGuarantee", "memLimit", "memGuarantee", "extraResourceLimits", "extraResourceGuarantees", "storage"];
const order = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);

const isEmpty = (v: unknown) => (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

export function importZ2jh(values: unknown, opts: ImportOptions): ImportResult {
  const unmapped: Unmapped[] = [];
  const report: Report = (path, reason) => unmapped.push({ path, reason });
  const user = isObj(values) ? values : {};
  const merged = mergeTree(z2jhDefaults(opts.chartVersion), user);
  reportUnread(user, report);
  reportDefaults(merged, user, report);

  const global = globalTraits(merged);
  const { settings: defaults, effective } = level({ ...global.traits, ...(global.cmd !== undefined ? { cmd: global.cmd } : {}) }, "singleuser", { cmd: undefined, args: undefined }, report);
  const storage = storageSetting(merged);
  if (storage) defaults.storage = storage;
  if (global.defaultUrl !== undefined) defaults.defaultUrl = global.defaultUrl;
  // mcks creates a ServiceAccount per server by default; KubeSpawner runs pods without one.
  if (defaults.serviceAccountName === undefined) defaults.serviceAccount = false;
  // At the first level an empty mapping or list sets nothing: leave it out of the file.
  for (const [k, v] of Object.entries(defaults)) if (isEmpty(v)) delete defaults[k];
  if (isObj(defaults.affinity)) for (const [k, v] of Object.entries(defaults.affinity)) if (isEmpty(v)) delete defaults.affinity[k];

  const config: Obj = {
    clusters: { [opts.cluster]: { context: opts.context, ingressPublicUrl: opts.ingressPublicUrl } },
    defaults: Object.fromEntries(Object.entries(defaults).sort(([a], [b]) => order(a) - order(b))),
    profiles: profiles(get(merged, "singleuser.profileList"), opts.cluster, effective, report),
  };
  return { config, unmapped };
}

/**
 * Text from the values file (its keys, the file's name) as one line of a block comment: control
 * characters escaped as in JSON, and no `*\/` that would end the comment and run what follows.
 */
function commentText(text: string): string {
  return JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/\*\//g, "*\\/");
}

/** The config.ts text: what was not carried over, as a comment, then the config. */
export function configSource(result: ImportResult, from: string, chartVersion: string): string {
  const lines = [
    "/**",
    ` * Generated by \`mcks import --from z2jh ${commentText(from)}\` (zero-to-jupyterhub chart ${commentText(chartVersion)} defaults).`,
    " * Set the cluster's context and ingressPublicUrl, then check it: mcks validate -c config.ts",
  ];
  if (result.unmapped.length) {
    lines.push(" *", ` * Not carried over (${result.unmapped.length}):`);
    for (const u of result.unmapped) lines.push(` *   - ${commentText(u.path)}: ${commentText(u.reason)}`);
  }
  lines.push(" */", 'import { defineConfig } from "multicluster-kubespawner";', "", `export default defineConfig(${printTs(result.config)});`, "");
  return lines.join("\n");
}
