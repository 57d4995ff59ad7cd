/**
 * Merging settings levels: defaults ← profile ← each option choice (in the profile's option
 * order). Scalars: the last level that sets one wins. `environment`: merged by variable name.
 * `patches` / `resources`: merged by key; the order is each level's entries sorted by key
 * (as upstream sorts keys), level after level. An entry replaced by a later level moves to
 * that level's place, so it applies after everything it was meant to override.
 */
import { UserError } from "../errors.ts";
import { parseBytes, parseCpu } from "../config/quantity.ts";
import type { ResolvedNativeSettings } from "../config/native-settings.ts";
import type { EnvValue, ObjectSource, ResolvedSpawnSettings, SpawnSettings } from "../config/types.ts";
import type { SettingsLayer } from "./choose-options.ts";

/** What this file resolves; the native settings are merged by native.ts. */
type CoreSettings = Omit<ResolvedSpawnSettings, keyof ResolvedNativeSettings>;

/** A patch or resource with where it came from, in the order it applies. */
export interface NamedSource {
  readonly key: string;
  readonly source: ObjectSource;
  /** "defaults", "profile aws-us-east-1", "option gpu=yes". */
  readonly from: string;
  /** "config.ts:42" when known. */
  readonly location: string | undefined;
}

export interface MergedSettings {
  readonly settings: CoreSettings;
  readonly patches: readonly NamedSource[];
  readonly resources: readonly NamedSource[];
}

type Locate = (key: string, layer: SettingsLayer) => string | undefined;

function lastSet<K extends keyof SpawnSettings>(layers: readonly SettingsLayer[], key: K): SpawnSettings[K] {
  let value: SpawnSettings[K] = undefined;
  for (const l of layers) if (l.settings[key] !== undefined) value = l.settings[key];
  return value;
}

function mergeSources(layers: readonly SettingsLayer[], field: "patches" | "resources", locate: Locate): NamedSource[] {
  const byKey = new Map<string, NamedSource>();
  for (const layer of layers) {
    const entries: [string, ObjectSource][] = Object.entries(layer.settings[field] ?? {});
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, source] of entries) {
      byKey.delete(key);
      byKey.set(key, Object.freeze({ key, source, from: layer.from, location: locate(key, layer) }));
    }
  }
  return [...byKey.values()];
}

function quantity<T>(layers: readonly SettingsLayer[], key: "memLimit" | "memGuarantee" | "cpuLimit" | "cpuGuarantee", parse: (v: unknown) => T | undefined): T | undefined {
  const raw = lastSet(layers, key);
  if (raw === undefined) return undefined;
  const v = parse(raw);
  if (v === undefined) throw new UserError(`${key} ${JSON.stringify(raw)} is not a valid quantity`);
  return v;
}

export function mergeSettings(layers: readonly SettingsLayer[], locate: Locate): MergedSettings {
  const environment: Record<string, EnvValue> = {};
  for (const l of layers) Object.assign(environment, l.settings.environment);
  const memLimit = quantity(layers, "memLimit", parseBytes);
  const memGuarantee = quantity(layers, "memGuarantee", parseBytes);
  const cpuLimit = quantity(layers, "cpuLimit", parseCpu);
  const cpuGuarantee = quantity(layers, "cpuGuarantee", parseCpu);
  if (memLimit !== undefined && memGuarantee !== undefined && memGuarantee > memLimit) {
    throw new UserError(`memGuarantee (${memGuarantee} bytes) is more than memLimit (${memLimit} bytes) after merging ${layers.map((l) => l.from).join(", ")}`);
  }
  if (cpuLimit !== undefined && cpuGuarantee !== undefined && cpuGuarantee > cpuLimit) {
    throw new UserError(`cpuGuarantee (${cpuGuarantee}) is more than cpuLimit (${cpuLimit}) after merging ${layers.map((l) => l.from).join(", ")}`);
  }
  const image = lastSet(layers, "image");
  const port = lastSet(layers, "port");
  const serviceAccount = lastSet(layers, "serviceAccount");
  if (image === undefined || port === undefined || serviceAccount === undefined) {
    throw new Error("unreachable: resolveConfig puts image, port and serviceAccount in defaults");
  }
  const settings: CoreSettings = Object.freeze({
    image,
    imagePullPolicy: lastSet(layers, "imagePullPolicy"),
    cmd: lastSet(layers, "cmd"),
    args: lastSet(layers, "args"),
    port,
    environment: Object.freeze(environment),
    cpuLimit,
    cpuGuarantee,
    memLimit,
    memGuarantee,
    serviceAccount,
  });
  return { settings, patches: mergeSources(layers, "patches", locate), resources: mergeSources(layers, "resources", locate) };
}
