/**
 * The public surface operators import in config.ts:
 *   import { defineConfig, definePlugin } from "multicluster-kubespawner";
 * Both only add types and return their argument (like Vite's defineConfig).
 */
import type { Plugin, UserConfig } from "./config/types.ts";

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

export type {
  AuthContext,
  ByteQuantity,
  ClusterConfig,
  ClusterCredentials,
  CpuQuantity,
  Dynamic,
  EnvValue,
  HookContext,
  HookLog,
  HubUser,
  ObjectSource,
  OptionChoice,
  Plugin,
  ProfileConfig,
  ProfileOption,
  ReadinessContext,
  SpawnContext,
  SpawnSettings,
  ResolvedSpawnSettings,
  Routing,
  UnlistedChoice,
  UserConfig,
} from "./config/types.ts";
export type { KubeObject } from "./objects/types.ts";
export type { AffinitySettings, KeyedList, Mergeable, NativeSettings, PerUser, SettingsContext, StorageSettings } from "./config/native-settings.ts";
export type { Container, LifecycleHooks, NodeSelectorTerm, PodAffinityTerm, PreferredSchedulingTerm, Toleration, Volume, VolumeMount, WeightedPodAffinityTerm } from "./config/kube-shapes.ts";
