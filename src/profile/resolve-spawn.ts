/**
 * The resolve stage: (user, server, profile, options) → Spawn. Picks the profile, checks the
 * option values, merges settings (merge-settings.ts documents the rules) and builds the
 * SpawnContext every template and function sees. Pure: no cluster, no clock.
 */
import { UserError } from "../errors.ts";
import { isDnsLabel, protectedNamespaceProblem, renderNamespace } from "../config/namespace-template.ts";
import type { ResolvedCluster, ResolvedConfig, ResolvedProfile } from "../config/resolve.ts";
import type { HubUser, SpawnContext } from "../config/types.ts";
import { serverPrefix } from "../names/prefix.ts";
import { safeName, serverKey } from "../names/safe-name.ts";
import { chooseOptions } from "./choose-options.ts";
import type { SettingsLayer } from "./choose-options.ts";
import { mergeSettings, type NamedSource } from "./merge-settings.ts";
import { mergeNative } from "./native.ts";
import { pickProfile } from "./pick-profile.ts";

/** What the hub asks for. */
export interface SpawnRequest {
  readonly user: HubUser;
  /** "" for the default server. */
  readonly server: string;
  /** Profile slug; the default profile when absent. */
  readonly profile?: string | undefined;
  /** Option name → choice slug or free-text value. */
  readonly options?: Readonly<Record<string, string>>;
  /** Environment the hub passes (JUPYTERHUB_API_TOKEN etc.). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * One of the profile's `fallbackClusters` to start on instead of its `cluster`: the daemon's
   * choice while that one is unreachable (spawn/cluster-choice.ts), never the hub's (the socket
   * protocol has no such field).
   */
  readonly cluster?: string;
  /** The hub's `c.Spawner.cmd` and `args`: the container's args unless the settings set cmd or args. */
  readonly hubCmd?: readonly string[];
  readonly hubArgs?: readonly string[];
}

/** Everything the render stage needs for one server. Pure data + operator functions. */
export interface Spawn {
  readonly ctx: SpawnContext;
  readonly cluster: ResolvedCluster;
  /** In application order: defaults' (key order), then profile's, then options'. */
  readonly patches: readonly NamedSource[];
  /** In creation order, same rule. */
  readonly resources: readonly NamedSource[];
  readonly hubEnv: Readonly<Record<string, string>>;
  /** The hub's cmd + args for the container's args (empty: the image's own); see SpawnRequest. */
  readonly hubCommand: readonly string[];
}

/**
 * The key of the server a request names: the base name of all its objects and the value of
 * their key label. The daemon finds a server by it before (or without) resolving a spawn.
 */
export function spawnKey(req: Pick<SpawnRequest, "user" | "server">, hubId?: string): string {
  return serverKey(req.user.name, req.server, hubId);
}

/**
 * The namespace of a server of (user, server) on `cluster`: the fixed one, or the template
 * filled with the escaped names. A template may never give a system namespace (kube-system,
 * default…), whatever the user is called: validate asks for a literal prefix, and this is
 * the check at render. Stop and poll use it too, so a server is always looked for where it
 * must be, never where a stored state says.
 */
export function serverNamespace(cluster: ResolvedCluster, user: string, server: string, hubId?: string): string {
  if (!cluster.namespace.includes("{{")) return cluster.namespace;
  const key = serverKey(user, server, hubId);
  const namespace = renderNamespace(cluster.namespace, { username: safeName(user), servername: safeName(server), key });
  if (!isDnsLabel(namespace)) {
    throw new UserError(
      `cluster ${JSON.stringify(cluster.name)}: namespace ${JSON.stringify(cluster.namespace)} gives ${JSON.stringify(namespace)} for user ${JSON.stringify(user)}, which is not a DNS-1123 label (lowercase letters, digits and dashes, at most 63 characters); change the namespace template`,
    );
  }
  const system = protectedNamespaceProblem(namespace);
  if (system !== undefined) throw new UserError(`cluster ${JSON.stringify(cluster.name)}: ${system} (template ${JSON.stringify(cluster.namespace)}, user ${JSON.stringify(user)})`);
  return namespace;
}

function checkRequest(req: SpawnRequest): void {
  if (typeof req.user?.name !== "string" || req.user.name === "") throw new UserError("the spawn request has no user name");
  if (typeof req.server !== "string") throw new UserError(`the server name must be a string ("" for the default server)`);
}

/**
 * The hub's `cmd` + `args` as the container's args, as KubeSpawner runs them (the image's
 * entrypoint stays). Settings that set `cmd` or `args` win over the hub's; args without a cmd
 * are ignored, as KubeSpawner ignores them.
 */
function hubCommand(req: SpawnRequest, settings: { readonly cmd: unknown; readonly args: unknown }): string[] {
  if (settings.cmd !== undefined || settings.args !== undefined) return [];
  const cmd = req.hubCmd ?? [];
  return cmd.length === 0 ? [] : [...cmd, ...(req.hubArgs ?? [])];
}

export function resolveSpawn(config: ResolvedConfig, req: SpawnRequest): Spawn {
  checkRequest(req);
  return spawnOf(config, pickProfile(config, req.user, req.profile), req, true);
}

/**
 * The spawn of `profile` for a probe request, whoever may use the profile or its choices (no
 * `allowed` filter is asked): only for learning what a config can create (spawn/kinds.ts), never
 * for a start.
 */
export function probeSpawn(config: ResolvedConfig, profile: ResolvedProfile, req: SpawnRequest): Spawn {
  checkRequest(req);
  return spawnOf(config, profile, req, false);
}

/** `checkAllowed`: whether the choices' `allowed` filters apply (not for a probe). */
function spawnOf(config: ResolvedConfig, profile: ResolvedProfile, req: SpawnRequest, checkAllowed: boolean): Spawn {
  const { user, server } = req;
  const name = req.cluster ?? profile.cluster;
  if (name !== profile.cluster && !profile.fallbackClusters.includes(name)) {
    throw new Error(`unreachable: cluster ${name} is neither ${profile.slug}'s cluster nor one of its fallbacks`);
  }
  const cluster = config.clusters.get(name);
  if (!cluster) throw new Error(`unreachable: validation guarantees cluster ${name} exists`);

  const chosen = chooseOptions(profile, checkAllowed ? user : undefined, req.options);
  const layers: SettingsLayer[] = [
    { from: "defaults", settings: config.defaults },
    { from: `cluster ${cluster.name}`, settings: cluster.defaults },
    { from: `profile ${profile.slug}`, settings: profile.settings },
    ...chosen.layers,
  ];
  const merged = mergeSettings(layers, (key, layer) => config.locate(key, layer.from === "defaults" ? undefined : profile.slug));

  const key = spawnKey(req, config.hubId);
  const username = safeName(user.name);
  const servername = safeName(server);
  const namespace = serverNamespace(cluster, user.name, server, config.hubId);
  const base = {
    key,
    hubId: config.hubId,
    namespace,
    username,
    servername,
    user: Object.freeze({ ...user, escapedName: username }),
    server: Object.freeze({ name: server, escapedName: servername }),
    profile: Object.freeze({ slug: profile.slug, displayName: profile.displayName }),
    cluster: Object.freeze({ name: cluster.name, context: cluster.context, routing: cluster.routing, ingressPublicUrl: cluster.ingressPublicUrl, ingressClass: cluster.ingressClass }),
    options: Object.freeze({ ...chosen.values }),
    prefix: req.env?.JUPYTERHUB_SERVICE_PREFIX ?? serverPrefix(user.name, server),
  };
  // The native settings may be functions of the spawn: they see everything but `spawn`.
  const native = mergeNative(layers, Object.freeze(base), config.startTimeout);
  const ctx: SpawnContext = Object.freeze({ ...base, spawn: Object.freeze({ ...merged.settings, ...native }) });
  return Object.freeze({
    ctx,
    cluster,
    patches: Object.freeze(merged.patches),
    resources: Object.freeze(merged.resources),
    hubEnv: Object.freeze({ ...req.env }),
    hubCommand: Object.freeze(hubCommand(req, ctx.spawn)),
  });
}

/**
 * How long this request's start may take: its settings' startTimeout (profile, option) or the
 * config's. A request that does not resolve gets the config's; the start then fails with why.
 */
export function startTimeoutOf(config: ResolvedConfig, req: SpawnRequest): number {
  try {
    return resolveSpawn(config, req).ctx.spawn.startTimeout;
  } catch {
    return config.startTimeout;
  }
}

/** The longest startTimeout any start of this config may have (for judging another daemon's incomplete starts). */
export function longestStartTimeout(config: ResolvedConfig): number {
  const levels = [config.defaults, ...[...config.clusters.values()].map((c) => c.defaults), ...config.profiles.flatMap((p) => [p.settings, ...Object.values(p.options).flatMap((o) => Object.values(o.choices).map((c) => c.overrides ?? {}))])];
  return Math.max(config.startTimeout, ...levels.map((s) => s.startTimeout ?? 0));
}
