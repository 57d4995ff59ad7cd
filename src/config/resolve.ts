/**
 * UserConfig → ResolvedConfig: the only place defaults are applied (from the one literal in
 * defaults.ts) and the only maker of the readonly config the rest of the program uses.
 */
import { dirname, resolve } from "node:path";
import { DEFAULT_HUB } from "../names/safe-name.ts";
import { DEFAULTS } from "./defaults.ts";
import { settingsShape } from "./schema.ts";
import type { SourceIndex } from "./source-index.ts";
import type { HubUser, Plugin, ProfileConfig, ProfileOption, Routing, SpawnSettings, UserConfig } from "./types.ts";

export interface ResolvedCluster {
  readonly name: string;
  readonly context: string;
  readonly routing: Routing;
  /** Undefined with `routing: "pod-ip"`. */
  readonly ingressPublicUrl: string | undefined;
  readonly ingressClass: string | undefined;
  /** A fixed name or a template (rendered per spawn). */
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly kubeconfig: string | undefined;
  /** Host of the Ingress rule; undefined = any host. */
  readonly ingressHost: string | undefined;
  /** The cluster's own settings, between `defaults` and the profile's. */
  readonly defaults: SpawnSettings;
  /** Seconds; null = wait until the start timeout. */
  readonly unschedulableTimeout: number | null;
}

export interface ResolvedProfile {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly default: boolean;
  readonly cluster: string;
  /** Where to start, in order, while `cluster` is unreachable (spawn/cluster-choice.ts). */
  readonly fallbackClusters: readonly string[];
  /** The profile's own settings (defaults not merged in). */
  readonly settings: SpawnSettings;
  readonly options: Readonly<Record<string, ProfileOption>>;
  readonly allowed: (user: HubUser) => boolean;
  /** Config path, e.g. `profiles[2]`, for messages. */
  readonly path: string;
}

export interface ResolvedConfig {
  /** Absolute path of config.ts. */
  readonly path: string;
  readonly clusters: ReadonlyMap<string, ResolvedCluster>;
  readonly defaults: SpawnSettings;
  readonly profiles: readonly ResolvedProfile[];
  readonly plugins: readonly Plugin[];
  /** Seconds. */
  readonly startTimeout: number;
  /** Seconds. */
  readonly pollGracePeriod: number;
  /** Which hub this is among hubs sharing clusters ("default" when the config sets none). */
  readonly hubId: string;
  /**
   * Finds where a patch/resource key is written in the config files ("config.ts:42");
   * with `profileSlug`, looks inside that profile first (the same key may be in several).
   */
  readonly locate: (key: string, profileSlug?: string) => string | undefined;
}

const SETTINGS_KEYS = Object.keys(settingsShape) as (keyof SpawnSettings)[];

/** Only the SpawnSettings fields of a profile (its own overrides, without slug, options…). */
function settingsOf(p: ProfileConfig): SpawnSettings {
  const out: Record<string, unknown> = {};
  for (const k of SETTINGS_KEYS) if (p[k] !== undefined) out[k] = p[k];
  return Object.freeze(out) as SpawnSettings;
}

const everyone = () => true;

export function resolveConfig(user: UserConfig, path: string, index: SourceIndex): ResolvedConfig {
  const root = dirname(path);
  const clusters = new Map<string, ResolvedCluster>();
  for (const [name, c] of Object.entries(user.clusters)) {
    const routing = c.routing ?? DEFAULTS.cluster.routing;
    clusters.set(
      name,
      Object.freeze({
        name,
        context: c.context,
        routing,
        ingressPublicUrl: routing === "ingress" ? c.ingressPublicUrl?.replace(/\/+$/, "") : undefined,
        ingressClass: c.ingressClass,
        namespace: c.namespace ?? DEFAULTS.cluster.namespace,
        createNamespace: c.createNamespace ?? DEFAULTS.cluster.createNamespace,
        // Relative to config.ts, so a config folder can be moved as a whole.
        kubeconfig: c.kubeconfig === undefined ? undefined : resolve(root, c.kubeconfig),
        ingressHost: c.ingressHost,
        defaults: Object.freeze({ ...c.defaults }),
        unschedulableTimeout: c.unschedulableTimeout === undefined ? DEFAULTS.cluster.unschedulableTimeout : c.unschedulableTimeout,
      }),
    );
  }
  const profiles: ResolvedProfile[] = user.profiles.map((p, i) =>
    Object.freeze({
      slug: p.slug,
      displayName: p.displayName,
      description: p.description ?? "",
      default: p.default ?? false,
      cluster: p.cluster,
      fallbackClusters: Object.freeze([...(p.fallbackClusters ?? [])]),
      settings: settingsOf(p),
      options: Object.freeze({ ...p.options }),
      allowed: p.allowed ?? everyone,
      path: `profiles[${i}]`,
    }),
  );
  return Object.freeze({
    path,
    clusters,
    defaults: Object.freeze({ ...DEFAULTS.spawn, ...user.defaults }),
    profiles: Object.freeze(profiles),
    plugins: Object.freeze([...(user.plugins ?? [])]),
    startTimeout: user.startTimeout ?? DEFAULTS.startTimeout,
    pollGracePeriod: user.pollGracePeriod ?? DEFAULTS.pollGracePeriod,
    hubId: user.hubId ?? DEFAULT_HUB,
    locate: (key: string, profileSlug?: string) => index.locateKey(key, profileSlug),
  });
}
