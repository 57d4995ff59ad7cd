/**
 * The typed DSL an operator writes in `config.ts`.
 *
 * `UserConfig` is what operators write (everything optional that has a default);
 * `ResolvedConfig` (see resolve.ts) is what the program uses. Only `resolveConfig()`
 * turns one into the other, so defaults live in exactly one place (defaults.ts).
 */
import type { KubeObject } from "../objects/types.ts";
import type { NativeSettings, ResolvedNativeSettings } from "./native-settings.ts";

/** A hub user as JupyterHub describes it to the spawner. */
export interface HubUser {
  /** The raw JupyterHub user name (may hold any unicode, `@`, capitals…). */
  readonly name: string;
  readonly groups?: readonly string[];
  readonly admin?: boolean;
  /**
   * The authenticator's auth_state, when the hub sends it (`c.MultiClusterKubeSpawner.pass_auth_state = True`;
   * `mcks dry-run --auth-state FILE`). Never logged.
   */
  readonly authState?: Readonly<Record<string, unknown>>;
}

/** JupyterHub's byte units: a number of bytes, or "512M", "2G", "1.5T" (powers of 1024). */
export type ByteQuantity = number | string;
/** JupyterHub's CPU units: a number of cores (0.5, 2) or a Kubernetes quantity ("500m"). */
export type CpuQuantity = number | string;

/** What every template and function in the config can see for one spawn. */
export interface SpawnContext {
  /** Base name of every object of this server: `jupyter-<user>[--<server>]`, DNS-1123 safe. */
  readonly key: string;
  /** The config's `hubId` ("default" when it sets none). */
  readonly hubId: string;
  readonly namespace: string;
  /** DNS-safe escaped user name (as used in labels). */
  readonly username: string;
  /** DNS-safe escaped server name, "" for the default server. */
  readonly servername: string;
  readonly user: HubUser & { readonly escapedName: string };
  readonly server: { readonly name: string; readonly escapedName: string };
  readonly profile: { readonly slug: string; readonly displayName: string };
  readonly cluster: {
    readonly name: string;
    readonly context: string;
    readonly routing: Routing;
    /** Undefined with `routing: "pod-ip"`. */
    readonly ingressPublicUrl: string | undefined;
    readonly ingressClass: string | undefined;
  };
  /** The choices the user made for the profile's options (option name → choice slug or free text). */
  readonly options: Readonly<Record<string, string>>;
  /** The hub's URL prefix for this server: `/user/<name>/` or `/user/<name>/<server>/`. */
  readonly prefix: string;
  /** The settings this spawn resolved to (after profile and option overrides). */
  readonly spawn: ResolvedSpawnSettings;
}

/** A value that is either fixed or computed from the spawn. */
/** An `environment` value: in the Pod spec, or `{ secret }` in the server's Secret. */
export type EnvValue = Dynamic<string> | { readonly secret: Dynamic<string> };

export type Dynamic<T> = T | ((ctx: SpawnContext) => T);

/**
 * A patch or resource: a template string (eta, `{{ }}` delimiters, so upstream's `{{key}}`
 * examples work unchanged; one or more YAML documents) or a typed function returning objects.
 */
export type ObjectSource =
  | string
  | ((ctx: SpawnContext) => KubeObject | readonly KubeObject[] | undefined | null);

/**
 * Settings that defaults, a cluster's defaults, profiles and option choices may set; later ones
 * override earlier. The KubeSpawner-named ones (nodeSelector, volumes, …) are in native-settings.ts.
 */
export interface SpawnSettings extends NativeSettings {
  /** Container image. Default `pangeo/pangeo-notebook:latest`. */
  image?: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Overrides the image's entrypoint (Kubernetes `command`). */
  cmd?: readonly string[];
  /** Arguments (Kubernetes `args`). Default: the image's own. */
  args?: readonly string[];
  /** Port the single-user server listens on. Default 8888. */
  port?: number;
  /**
   * Extra environment variables; values may be functions of the spawn. They stand in the Pod
   * spec; `{ secret: value }` puts one in the server's Secret instead (a credential).
   */
  environment?: Readonly<Record<string, EnvValue>>;
  cpuLimit?: CpuQuantity;
  cpuGuarantee?: CpuQuantity;
  memLimit?: ByteQuantity;
  memGuarantee?: ByteQuantity;
  /** Create a per-server ServiceAccount and run the pod as it. Default true. */
  serviceAccount?: boolean;
  /** Strategic-merge patches, applied in key order (defaults' first, then profile's, then options'). */
  patches?: Readonly<Record<string, ObjectSource>>;
  /** Extra per-server objects, added in key order after the built-in ones. */
  resources?: Readonly<Record<string, ObjectSource>>;
}

/**
 * How the hub's proxy reaches a cluster's servers. `"ingress"`: through the cluster's ingress
 * controller (a Service and an Ingress per server; the URL is `ingressPublicUrl` + the server's
 * prefix). `"pod-ip"`: straight to the Pod's IP (the hub's own cluster, or networks where pod IPs
 * route across clusters): no Service, no Ingress, the URL is `http://<podIP>:<port>`.
 */
export type Routing = "ingress" | "pod-ip";

export interface ClusterConfig {
  /** Name of the kubeconfig context (`kubectl config get-contexts`). */
  context: string;
  /** How the hub reaches this cluster's servers. Default `"ingress"`. */
  routing?: Routing;
  /**
   * Public URL of the cluster's ingress controller, e.g. `https://eu.hub.example.org`.
   * Required with `routing: "ingress"`.
   */
  ingressPublicUrl?: string;
  /** `spec.ingressClassName` of the created Ingress. Default: the cluster's default class. */
  ingressClass?: string;
  /**
   * Namespace for the user's objects: a fixed name, or a template such as
   * `"jhub-{{username}}"` for a namespace per user. Default `"default"`.
   */
  namespace?: string;
  /** Create the namespace when it does not exist (for per-user namespaces). Default false. */
  createNamespace?: boolean;
  /** Extra kubeconfig file for this cluster (otherwise `$KUBECONFIG` / `~/.kube/config`). */
  kubeconfig?: string;
  /**
   * Host name of the Ingress rule (e.g. `"eu.hub.example.org"`), so that two hubs behind one
   * ingress controller never share a path. Default: no host (every host).
   */
  ingressHost?: string;
  /** Settings for every profile of this cluster, over `defaults` (e.g. its storage class). */
  defaults?: SpawnSettings;
  /**
   * Seconds a start waits for a node when the scheduler finds none and no cluster autoscaler
   * answers (neither `TriggeredScaleUp` nor `NotTriggerScaleUp`); then it fails with the
   * scheduler's message. Default 120; `null` waits until the start timeout.
   */
  unschedulableTimeout?: number | null;
}

export interface OptionChoice {
  displayName: string;
  default?: boolean;
  overrides?: SpawnSettings;
  /** Who may pick this choice (others don't see it). Default: everyone who may use the profile. */
  allowed?: (user: HubUser) => boolean;
}

export interface UnlistedChoice {
  /** Label of the free-text field, e.g. "Other image". */
  displayName: string;
  /**
   * The whole value must match this (RE2 syntax, matched in linear time; no `m`, `g`, `y`
   * flags). `"any"` accepts any text, which `mcks validate` warns about. Values longer than
   * 256 characters or with control characters are always refused.
   */
  validation: RegExp | string;
  /** Shown when the value does not match. */
  validationMessage?: string;
  /**
   * Settings from the typed value. Not `startTimeout`: the daemon judges another daemon's
   * unfinished starts by the longest timeout the config can give, which free text must not raise.
   */
  overrides: (value: string) => Omit<SpawnSettings, "startTimeout">;
}

export interface ProfileOption {
  displayName: string;
  choices: Readonly<Record<string, OptionChoice>>;
  /** Allow a value that is not one of `choices`. */
  unlisted?: UnlistedChoice;
}

export interface ProfileConfig extends SpawnSettings {
  /** URL-safe id; what the hub sends as `profile`. */
  slug: string;
  displayName: string;
  description?: string;
  /** Pre-selected on the spawn page, and used when the hub sends no profile. */
  default?: boolean;
  /** Name of an entry of `clusters`. */
  cluster: string;
  /**
   * Entries of `clusters` to start on, in this order, while `cluster` is unreachable; never for a
   * user whose server keeps data there (an object labelled `mcks.hub.jupyter.org/lifetime: user`,
   * such as a home volume). Default: none.
   */
  fallbackClusters?: readonly string[];
  options?: Readonly<Record<string, ProfileOption>>;
  /** Who may use this profile. Default: everyone. */
  allowed?: (user: HubUser) => boolean;
}

/** One log line sink given to hooks. */
export interface HookLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface HookContext extends SpawnContext {
  /** The objects of this spawn (mutable in `preApply`). */
  readonly objects: KubeObject[];
  readonly log: HookLog;
  readonly signal: AbortSignal;
}

/** Credentials an `auth` hook may return for a cluster. */
export interface ClusterCredentials {
  token?: string;
  clientCertificate?: string;
  clientKey?: string;
  /** When these stop being valid (the daemon asks again shortly before). */
  expiresAt?: Date;
}

export interface AuthContext {
  readonly cluster: { readonly name: string; readonly context: string };
  readonly log: HookLog;
  readonly signal: AbortSignal;
}

export interface ReadinessContext extends SpawnContext {
  /** The URL the hub's proxy will route to. */
  readonly url: string;
  readonly log: HookLog;
  readonly signal: AbortSignal;
}

/**
 * A plugin is a plain object of named hooks, like a Vite plugin.
 * - `auth`: first non-null result wins (per cluster, before the client is made).
 * - `preApply`: runs in order; each sees the objects the previous one left.
 * - `readiness`: all must resolve before the server is reported ready; they may throw to fail.
 */
export interface Plugin {
  name: string;
  enforce?: "pre" | "post";
  auth?: (ctx: AuthContext) => Promise<ClusterCredentials | null | undefined> | ClusterCredentials | null | undefined;
  preApply?: (ctx: HookContext) => Promise<void> | void;
  readiness?: (ctx: ReadinessContext) => Promise<void> | void;
}

export interface UserConfig {
  clusters: Readonly<Record<string, ClusterConfig>>;
  /** Settings for every profile; a profile's own settings override these. */
  defaults?: SpawnSettings;
  profiles: readonly ProfileConfig[];
  plugins?: readonly Plugin[];
  /** Seconds a start may take before it fails and cleans up. Default 300. */
  startTimeout?: number;
  /**
   * Seconds a server on an unreachable cluster is still reported running to the hub.
   * Default 300.
   */
  pollGracePeriod?: number;
  /**
   * This hub's name among hubs sharing a cluster (lowercase letters and digits, at most 20).
   * Every object carries it as the label `mcks.hub.jupyter.org/hub`, the watch, stop and
   * recovery select by it, and object names start with `<hubId>--` instead of `jupyter-`, so
   * one hub never touches another's servers. Default `"default"` (names `jupyter-…`).
   */
  hubId?: string;
}

/** Settings after defaults, profile and options are merged; what templates see as `spawn`. */
export interface ResolvedSpawnSettings extends ResolvedNativeSettings {
  readonly image: string;
  readonly imagePullPolicy: "Always" | "IfNotPresent" | "Never" | undefined;
  readonly cmd: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly port: number;
  readonly environment: Readonly<Record<string, EnvValue>>;
  readonly cpuLimit: number | undefined;
  readonly cpuGuarantee: number | undefined;
  /** Bytes. */
  readonly memLimit: number | undefined;
  /** Bytes. */
  readonly memGuarantee: number | undefined;
  readonly serviceAccount: boolean;
}
