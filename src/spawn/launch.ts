import type { ResolvedConfig } from "../config/resolve.ts";
import type { HookLog, SpawnContext } from "../config/types.ts";
import { UserError } from "../errors.ts";
import { applyObjects, ApplyError, ClusterUnreachableError, KubeApiError, namespaceLimitOf, ServerFailedError } from "../kube/index.ts";
import type { AppliedObject, Kube, ServerStatus, StopFacts } from "../kube/index.ts";
import { identity } from "../objects/identity.ts";
import { extraKinds, type KindRef } from "../objects/kinds.ts";
import { lifetimeOf } from "../objects/labels.ts";
import { isServerOwner } from "../objects/owner.ts";
import type { KubeObject, ObjectRef } from "../objects/types.ts";
import type { SpawnRequest } from "../profile/resolve-spawn.ts";
import type { ProgressEvent, StartResult } from "../rpc/protocol.ts";
import { clusterFor, nowhereToStart } from "./cluster-choice.ts";
import { runReadiness } from "./hooks/readiness.ts";
import { routeCheck } from "./hooks/route.ts";
import { planServer, renderPlan } from "./plan.ts";

export interface StartDeps {
  readonly config: ResolvedConfig;
  readonly kube: Kube;
  /** This server's log (the daemon prefixes its lines with the user and server). */
  readonly log: HookLog;
}

/**
 * What the start learned before it could fail, so the caller can clean up precisely: where it
 * went, and what a stop needs (kube/delete.ts StopFacts), filled in as objects are applied.
 * `unowned` becomes undefined once an apply request was cut short (it may have landed).
 */
export interface StartTrace extends StopFacts {
  cluster?: string;
  namespace?: string;
  key?: string;
  profile?: string;
  extraKinds: KindRef[];
  applied: boolean;
  ownerUid?: string;
  pod?: ObjectRef;
  unowned: ObjectRef[] | undefined;
}

/** A new trace: nothing known yet. */
export function startTrace(): StartTrace {
  return { extraKinds: [], applied: false, unowned: [] };
}

/** The server's public URL: the cluster's ingress plus the hub's prefix for it. */
export function publicUrl(ingressPublicUrl: string, prefix: string): string {
  return `${ingressPublicUrl.replace(/\/+$/, "")}${prefix}`;
}

/** The URL of a server the hub reaches at its Pod's IP (pod-ip routing): no path, as KubeSpawner's. */
export function podUrl(podIP: string, port: number): string {
  return `http://${podIP.includes(":") ? `[${podIP}]` : podIP}:${port}`;
}

/** Keeps in `trace` what a stop of this start must delete by name (see StartTrace). */
function traceApplied(trace: StartTrace, key: string, objects: readonly KubeObject[]): (a: AppliedObject) => void {
  const persistent = new Set(objects.filter((o) => lifetimeOf(o, "server") === "user").map(identity));
  return (a) => {
    const id = identity({ kind: a.kind, metadata: { name: a.name, ...(a.namespace ? { namespace: a.namespace } : {}) } });
    const ref: ObjectRef = { apiVersion: a.apiVersion, kind: a.kind, namespace: a.namespace, name: a.name, uid: a.uid };
    if (isServerOwner({ apiVersion: a.apiVersion, kind: a.kind, metadata: { name: a.name } }, key)) trace.ownerUid = a.uid;
    else if (a.kind === "Pod" && a.apiVersion === "v1" && a.name === key) trace.pod = ref;
    else if (!a.owned && !persistent.has(id)) trace.unowned?.push(ref);
  };
}

/**
 * Waits until the hub can reach the server: with ingress routing, until its route answers
 * through the cluster's ingress (progress 80–95); with pod-ip routing the hub's own check of
 * the URL does that. Returns the URL.
 */
async function waitRoute(ctx: SpawnContext, status: ServerStatus, emit: (e: ProgressEvent) => void, log: HookLog, signal: AbortSignal): Promise<string> {
  if (ctx.cluster.routing === "pod-ip" || ctx.cluster.ingressPublicUrl === undefined) {
    if (!status.podIP) throw new ServerFailedError(`Pod/${status.podName} is ready but has no IP`, "NoPodIP");
    return podUrl(status.podIP, ctx.spawn.port);
  }
  const ingressUrl = ctx.cluster.ingressPublicUrl;
  emit({ progress: 80, message: "Server running; waiting for the ingress route" });
  const url = publicUrl(ingressUrl, ctx.prefix);
  let told = false;
  const route = routeCheck((attempt, last) => {
    if (!told && attempt >= 3) {
      told = true;
      emit({ progress: 85, message: `Waiting for ${ingressUrl} to route ${ctx.prefix} (${last})` });
    }
  });
  // The built-in route check passes before the operator's checks start: they may probe the
  // server through the route (README: readiness hooks run "after the route answers").
  await runReadiness([route], ctx, url, log, signal);
  return url;
}

/**
 * One start, as one readable sequence (docs/architecture.md "The pipeline"): plan (resolve →
 * render → patch → preApply) → apply → wait for the Pod (shared watch) → wait for the route
 * (ingress routing) → readiness hooks. Progress: planning 0–10, apply 10–25, Pod 25–80,
 * route 80–95, hooks 95–99. Nothing is written after the apply: a start whose Pod ran is
 * complete (kube/startup.ts). Throws a UserError whose message is for the hub user.
 */
export async function launchServer(
  deps: StartDeps,
  req: SpawnRequest,
  trace: StartTrace,
  emit: (e: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<StartResult> {
  const { config, kube, log } = deps;
  const hookLog = { info: (m: string) => log.info(m), warn: (m: string) => log.warn(m) };

  // Where to start: the profile's cluster, or a fallback while it is unreachable (cluster-choice.ts).
  const home = renderPlan(config, req);
  const profile = config.profiles.find((p) => p.slug === home.spawn.ctx.profile.slug);
  if (!profile) throw new Error(`unreachable: resolve picked profile ${home.spawn.ctx.profile.slug}, which the config does not have`);
  Object.assign(trace, { cluster: profile.cluster, profile: profile.slug });
  const choice = clusterFor(profile, kube.health(), () => home.objects.list());
  if (!choice.startsOn) throw nowhereToStart(choice);
  const fallback = choice.startsOn === choice.name ? undefined : choice.startsOn;

  const planned = await planServer(config, fallback ? { ...req, cluster: fallback } : req, { log: hookLog, signal });
  const { ctx } = planned.spawn;
  const objects = planned.objects.list();
  Object.assign(trace, {
    cluster: ctx.cluster.name,
    namespace: ctx.namespace,
    key: ctx.key,
    extraKinds: extraKinds(objects),
  });
  const where = `profile ${ctx.profile.slug}, cluster ${ctx.cluster.name}`;
  emit({
    progress: 5,
    message: fallback
      ? `Starting on ${ctx.profile.displayName} (${where}: ${choice.name} is unreachable, ${choice.reason ?? "no answer"})`
      : `Starting on ${ctx.profile.displayName} (${where})`,
  });

  const cluster = kube.cluster(ctx.cluster.name);

  emit({ progress: 10, message: `Creating ${objects.length} objects in namespace ${ctx.namespace}` });
  trace.applied = true;
  try {
    await applyObjects(cluster.client, objects, { signal, owner: ctx.key, onApplied: traceApplied(trace, ctx.key, objects) });
  } catch (err) {
    // An ApplyError settled every request of its wave; anything else may have cut one short.
    if (!(err instanceof ApplyError)) trace.unowned = undefined;
    throw namespaceLimitError(err, ctx.cluster.name, ctx.namespace) ?? err;
  }
  emit({ progress: 25, message: "Objects created; waiting for the server's Pod" });

  // A node may be on its way (a scale-up) or a volume being provisioned: the watch waits for
  // them and fails fast only when the cluster says it will not happen (kube/pod-waiting.ts).
  const { unschedulableTimeout } = planned.spawn.cluster;
  const status = await cluster.watch.waitReady(ctx.key, ctx.namespace, {
    signal,
    policy: { unschedulableTimeoutMs: unschedulableTimeout === null ? null : unschedulableTimeout * 1000 },
    onProgress: (e) => emit({ progress: 25 + Math.round((Math.min(100, Math.max(0, e.progress)) * 55) / 100), message: e.message }),
  });
  const url = await waitRoute(ctx, status, emit, hookLog, signal);
  if (config.plugins.some((p) => p.readiness)) {
    emit({ progress: 95, message: "Server is up; running readiness checks" });
    await runReadiness(config.plugins, ctx, url, hookLog, signal);
  }

  emit({ progress: 100, message: `Server ready at ${url} (${where})` });
  return { url, state: { cluster: ctx.cluster.name, namespace: ctx.namespace, key: ctx.key, profile: ctx.profile.slug } };
}

/**
 * A namespace's ResourceQuota or LimitRange refused one of the objects: say so, with the
 * cluster's message, and what the user or operator can do (the API's status is kept, so the
 * metrics count it as `Forbidden`). Undefined for other errors.
 */
export function namespaceLimitError(err: unknown, cluster: string, namespace: string): KubeApiError | undefined {
  const limit = namespaceLimitOf(err);
  if (!limit || !(err instanceof KubeApiError)) return undefined;
  const fix =
    limit === "ResourceQuota"
      ? "stop another server there, choose a smaller profile, or ask the operator to raise the namespace's ResourceQuota"
      : "choose a profile within the limits, or ask the operator to change the namespace's LimitRange";
  // No `cause`: the refusal is a 403, whose public stand-in ("mcks is not allowed…", for RBAC
  // denials that name mcks's identity) would replace this message; admission's words name only
  // the namespace's limits, which are the user's business.
  return new KubeApiError(`cluster ${cluster} has no room for this server in namespace ${namespace} (its ${limit}): ${err.message}; ${fix}`, err.status);
}

/**
 * Why a start failed, as a metric label from a small set: the Kubernetes reason of a Pod that
 * cannot start (`ErrImagePull`, `Unschedulable`, …), the API's reason for a rejected request
 * (`Forbidden`, `Invalid`, …), `ClusterUnreachable`, `Timeout`, `BadRequest` (the request or the
 * config could not make objects: an unknown profile, a bad option) or `Internal` (a bug).
 */
export function startFailureReason(err: unknown, timedOut: boolean): string {
  if (timedOut) return "Timeout";
  if (err instanceof ServerFailedError) return err.reason;
  if (err instanceof ClusterUnreachableError) return "ClusterUnreachable";
  if (err instanceof KubeApiError) return err.status.reason;
  if (err instanceof UserError) return "BadRequest";
  return "Internal";
}

/** The hub shows this message to the user, so it says what failed in their terms. */
export function startFailureMessage(err: unknown, timeoutSeconds: number, timedOut: boolean, lastProgress: string): string {
  if (timedOut) return `the server did not become ready within ${timeoutSeconds} s (last: ${lastProgress}); it was stopped`;
  if (err instanceof ServerFailedError) return err.message;
  if (err instanceof UserError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
