/**
 * The socket protocol (docs/architecture.md "The socket protocol"): method names, the params each
 * method accepts (zod schemas, so bad input gets a -32602 naming the field) and the results
 * it returns. `Handlers` is what `mcks serve` implements; `bindHandlers` makes it a method table.
 *
 * Choices the contract leaves open, decided here:
 * - `server` and `profile` may be omitted and mean "" (the default server / the default profile).
 * - `state` may be omitted or null in poll/stop/delete: JupyterHub can stop a server whose start
 *   never returned (so it has no state yet); the daemon then finds the objects by labels.
 * - `server.progress` carries the user's *name* (a string), the server name, and the event.
 * - Unknown fields in `state` are kept (newer daemons may add some); unknown params are ignored.
 */
import { z } from "zod";
import type { HubUser } from "../config/types.ts";
import type { MethodTable, RequestContext } from "./dispatch.ts";
import { parseParams } from "./params.ts";

/** The hub user, as the config's `allowed(user)` and templates see it (config/types.ts HubUser). */
export const UserSchema = z.object({
  name: z.string().min(1, "must not be empty"),
  groups: z.array(z.string()).optional(),
  admin: z.boolean().optional(),
  /** The authenticator's auth_state, when the hub opts in (pass_auth_state). Never logged. */
  authState: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<HubUser>;

/** What the hub stores for a server and hands back on poll/stop. Never secrets. */
export const ServerStateSchema = z.looseObject({
  cluster: z.string(),
  namespace: z.string(),
  key: z.string(),
  profile: z.string(),
});

const StringRecord = z.record(z.string(), z.string());
const ServerName = z.string().default("");
const OptionalState = ServerStateSchema.nullable().default(null);

export const ParamsSchemas = {
  health: z.looseObject({}).optional(),
  "profiles.list": z.object({ user: UserSchema }),
  "server.start": z.object({
    user: UserSchema,
    server: ServerName,
    profile: z.string().default(""),
    /** Option name → choice slug, or free text for an unlisted choice. */
    options: StringRecord.default({}),
    /** Extra environment from the hub (its API token among them: it goes into a Secret). */
    env: StringRecord.default({}),
    /** The hub's `c.Spawner.cmd` and `args` (the container's args unless the profile sets cmd or args). */
    cmd: z.array(z.string()).default([]),
    args: z.array(z.string()).default([]),
  }),
  "server.poll": z.object({ user: UserSchema, server: ServerName, state: OptionalState }),
  "server.stop": z.object({
    user: UserSchema,
    server: ServerName,
    state: OptionalState,
    /** Grace period 0. */
    now: z.boolean().default(false),
  }),
  "server.delete": z.object({ user: UserSchema, server: ServerName, state: OptionalState }),
  /** Every server the daemon knows, for operators (`mcks status`); not a hub call. */
  "servers.list": z.looseObject({}).optional(),
} as const;

export type MethodName = keyof typeof ParamsSchemas;
export const METHOD_NAMES = Object.keys(ParamsSchemas) as MethodName[];

/** Params as a handler receives them (defaults filled in). */
export type ParamsOf<M extends MethodName> = z.output<(typeof ParamsSchemas)[M]>;
/** Params as a caller may send them (defaulted fields optional). */
export type ParamsIn<M extends MethodName> = z.input<(typeof ParamsSchemas)[M]>;

export type ServerState = z.output<typeof ServerStateSchema>;

/** One cluster in the `health` answer (the daemon's kube.health() adds since when). */
export interface ClusterHealth {
  readonly reachable: boolean;
  readonly error?: string;
}
/** The daemon's own memory (process.memoryUsage()) and how many servers it tracks: for monitoring and bench/memory.ts. */
export interface DaemonStats {
  readonly servers: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
}
export interface HealthResult {
  readonly version: string;
  readonly clusters: Readonly<Record<string, ClusterHealth>>;
  readonly daemon?: DaemonStats;
}

export interface OptionChoiceSummary {
  readonly displayName: string;
  readonly default: boolean;
}
export interface OptionSummary {
  readonly displayName: string;
  readonly choices: Readonly<Record<string, OptionChoiceSummary>>;
  /** Present when the user may type a value that is not a listed choice. */
  readonly unlisted?: {
    readonly displayName: string;
    /** A regular expression the whole value must match (source text, no flags). */
    readonly validation?: string;
    readonly validationMessage?: string;
  };
}
export interface ProfileSummary {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly default: boolean;
  readonly options: Readonly<Record<string, OptionSummary>>;
  /** Where its servers start and whether they can now; the daemon adds it (absent offline). */
  readonly cluster?: ProfileCluster;
}

/** A profile's cluster as the spawn page shows it. Nothing in it is secret: reasons are a few words. */
export interface ProfileCluster {
  /** The profile's `cluster`. */
  readonly name: string;
  readonly reachable: boolean;
  /** While unreachable: since when (ISO time) and why, in a few words ("connection refused"). */
  readonly since?: string;
  readonly reason?: string;
  /** The profile's `fallbackClusters`, in order: used only while `name` is unreachable. */
  readonly fallbacks: readonly string[];
  /** Where a start would go now: `name`, a reachable fallback, or absent when nowhere. */
  readonly startsOn?: string;
  /** This user's servers of this profile keep a home volume on `name`, so they never fall back (asked only when there are fallbacks). */
  readonly homeOnCluster: boolean;
}

export interface StartResult {
  /** Where the hub's proxy routes `/user/<name>/` to. */
  readonly url: string;
  readonly state: ServerState;
}
/** `null` = running (JupyterHub's convention), an integer = exited/absent. */
export interface PollResult {
  readonly status: number | null;
}
export type EmptyResult = Readonly<Record<string, never>>;

/** One server in `servers.list`. */
export interface ServerSummary {
  /** The hub's names (raw); "" when the daemon only knows the key (a start that never reached its Pod). */
  readonly user: string;
  readonly server: string;
  readonly key: string;
  /** Profile slug; "" for a server recovered after a daemon restart (the hub's state has it). */
  readonly profile: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly phase: "starting" | "running" | "stopping";
  /** The node its Pod runs on, once scheduled. */
  readonly node?: string;
  /** ISO time its start began (its Pod's creation for a server recovered after a restart). */
  readonly since?: string;
  /** The last progress message (starting), or what its Pod says now. */
  readonly message: string;
}

/**
 * A cluster as the daemon sees it (`kube.health()`): the `health` entry, since when (ISO time)
 * `reachable` has had its value, when the API server last answered, its version, and the error
 * in a few words for the hub's users (no URL, no server message).
 */
export interface ClusterStatus extends ClusterHealth {
  readonly since: string;
  readonly reason?: string;
  /** ISO time the API server last answered anything; absent when it never did. */
  readonly lastSeen?: string;
  /** The API server's `gitVersion`, e.g. v1.32.2, once a probe got it. */
  readonly version?: string;
}

/** One cluster in `servers.list` (for operators: the full `error`, not the short reason). */
export interface ClusterSummary extends Omit<ClusterStatus, "reason"> {
  readonly running: number;
  /** Starting or stopping (what the hub calls pending). */
  readonly pending: number;
}

export interface ServersListResult {
  readonly servers: readonly ServerSummary[];
  readonly clusters: Readonly<Record<string, ClusterSummary>>;
}

export interface Results {
  health: HealthResult;
  "profiles.list": readonly ProfileSummary[];
  "server.start": StartResult;
  "server.poll": PollResult;
  "server.stop": EmptyResult;
  "server.delete": EmptyResult;
  "servers.list": ServersListResult;
}

/** The notification `server.start` sends while it runs, on the requesting connection. */
export const PROGRESS = "server.progress";
/** A step of a start, JupyterHub's `progress()` event; the cluster watch makes them too. */
export interface ProgressEvent {
  /** 0–100, as JupyterHub's progress bar takes it. */
  readonly progress: number;
  readonly message: string;
}
export interface ProgressParams {
  /** The hub user's name (raw, unescaped). */
  readonly user: string;
  readonly server: string;
  readonly event: ProgressEvent;
}

/** What `mcks serve` implements. Throw `UserError` for failures a person can act on. */
export type Handlers = {
  readonly [M in MethodName]: (params: ParamsOf<M>, ctx: RequestContext) => Promise<Results[M]> | Results[M];
};

export function sendProgress(ctx: RequestContext, params: ProgressParams): boolean {
  return ctx.notify(PROGRESS, params);
}

/** Validate params with the method's schema, then call the handler. */
export function bindHandlers(handlers: Handlers): MethodTable {
  const table = new Map<string, (params: unknown, ctx: RequestContext) => unknown>();
  for (const method of METHOD_NAMES) {
    const schema = ParamsSchemas[method];
    const handler = handlers[method] as (params: unknown, ctx: RequestContext) => unknown;
    table.set(method, (params, ctx) => handler.call(handlers, parseParams(schema, params), ctx));
  }
  return table;
}
