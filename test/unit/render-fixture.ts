/**
 * Hand-built Spawn values for render/patch tests (pure data + functions, no config loading),
 * and the pipeline up to the patch stage as dry-run runs it.
 */
import type { ResolvedCluster } from "../../src/config/resolve.ts";
import type { ObjectSource, ResolvedSpawnSettings, SpawnContext } from "../../src/config/types.ts";
import type { NamedSource } from "../../src/profile/merge-settings.ts";
import type { Spawn } from "../../src/profile/resolve-spawn.ts";
import { serverKey, safeName } from "../../src/names/safe-name.ts";
import { serverPrefix } from "../../src/names/prefix.ts";
import type { KubeObject } from "../../src/objects/types.ts";
import { applyPatches } from "../../src/patch/stage.ts";
import type { SettingsContext } from "../../src/config/native-settings.ts";
import { mergeNative } from "../../src/profile/native.ts";
import { addContainerEnv, renderServer, renderSources } from "../../src/render/index.ts";

export interface SpawnInput {
  user?: string;
  server?: string;
  groups?: string[];
  settings?: Partial<ResolvedSpawnSettings>;
  cluster?: Partial<ResolvedCluster>;
  namespace?: string;
  options?: Record<string, string>;
  patches?: Record<string, ObjectSource>;
  resources?: Record<string, ObjectSource>;
  hubEnv?: Record<string, string>;
}

export const DEFAULT_SETTINGS: ResolvedSpawnSettings = {
  image: "pangeo/pangeo-notebook:latest",
  imagePullPolicy: undefined,
  cmd: undefined,
  args: undefined,
  port: 8888,
  environment: {},
  cpuLimit: undefined,
  cpuGuarantee: undefined,
  memLimit: undefined,
  memGuarantee: undefined,
  serviceAccount: true,
  // The native settings as no level sets them (their built-in defaults).
  ...mergeNative([], {} as SettingsContext, 300),
};

/** Sources in key order, each "written" at a fake line so messages can be checked. */
function named(record: Record<string, ObjectSource> | undefined, line: number): NamedSource[] {
  return Object.keys(record ?? {})
    .sort()
    .map((key, i) => ({ key, source: (record ?? {})[key] as ObjectSource, from: "defaults", location: `config.ts:${line + i}` }));
}

export function makeSpawn(input: SpawnInput = {}): Spawn {
  const user = input.user ?? "alice";
  const server = input.server ?? "";
  const cluster: ResolvedCluster = {
    name: "aws",
    context: "aws-ctx",
    routing: "ingress",
    ingressPublicUrl: "https://aws.example.org",
    ingressClass: undefined,
    namespace: input.namespace ?? "jhub",
    createNamespace: false,
    kubeconfig: undefined,
    ingressHost: undefined,
    defaults: {},
    unschedulableTimeout: 120,
    ...input.cluster,
  };
  const ctx: SpawnContext = {
    key: serverKey(user, server),
    hubId: "default",
    namespace: cluster.namespace,
    username: safeName(user),
    servername: safeName(server),
    user: { name: user, groups: input.groups ?? [], escapedName: safeName(user) },
    server: { name: server, escapedName: safeName(server) },
    profile: { slug: "aws", displayName: "AWS on us-east-1" },
    cluster: { name: cluster.name, context: cluster.context, routing: cluster.routing, ingressPublicUrl: cluster.ingressPublicUrl, ingressClass: cluster.ingressClass },
    options: input.options ?? {},
    prefix: serverPrefix(user, server),
    spawn: { ...DEFAULT_SETTINGS, ...input.settings },
  };
  return {
    ctx,
    cluster,
    patches: named(input.patches, 100),
    resources: named(input.resources, 200),
    hubEnv: input.hubEnv ?? {},
    hubCommand: [],
  };
}

/** render → patch → derived env, the objects dry-run would print before plugins. */
export function renderAll(spawn: Spawn): KubeObject[] {
  const set = renderServer(spawn);
  applyPatches(set, renderSources(spawn.ctx, spawn.patches, "patch"));
  addContainerEnv(set, spawn);
  return set.list();
}

/** Every path in a JSON value (`spec.containers.0.name`), for "same structure" checks. */
export function paths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, `${prefix}.${i}`))];
  if (value !== null && typeof value === "object") {
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, `${prefix}.${k}`))];
  }
  return [prefix];
}
