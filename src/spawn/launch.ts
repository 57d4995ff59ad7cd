import type { ResolvedConfig } from "../config/resolve.ts";
import type { HookLog } from "../config/types.ts";
import { UserError } from "../errors.ts";
import { applyObjects, ClusterUnreachableError, KubeApiError, markStarted, namespaceLimitOf, ServerFailedError } from "../kube/index.ts";
import type { Kube } from "../kube/index.ts";
import { extraKinds, type KindRef } from "../objects/kinds.ts";
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

/** What the start learned before it could fail, so the caller can clean up precisely. */
export interface StartTrace {
  cluster?: string;
  namespace?: string;
  key?: string;
  profile?: string;
  url?: string;
  extraKinds: KindRef[];
  applied: boolean;
}

/** The server's public URL: the cluster's ingress plus the hub's prefix for it. */
export function publicUrl(ingressPublicUrl: string, prefix: string): string {
  return `${ingressPublicUrl.replace(/\/+$/, "")}${prefix}`;
}

/**
 * One start, as one readable sequence (docs/architecture.md "The pipeline"): plan (resolve →
 * render → patch → preApply) → apply → wait for the Pod (shared watch) → wait for the route
 * → readiness hooks → mark started. Progress: planning 0–10, apply 10–25, Pod 25–80, route 80–95,
 * hooks 95–99. Throws a UserError whose message is for the hub user.
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
    url: publicUrl(ctx.cluster.ingressPublicUrl, ctx.prefix),
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
  await applyObjects(cluster.client, objects, { signal }).catch((err: unknown) => {
    throw namespaceLimitError(err, ctx.cluster.name, ctx.namespace) ?? err;
  });
  emit({ progress: 25, message: "Objects created; waiting for the server's Pod" });

  // A node may be on its way (a scale-up) or a volume being provisioned: the watch waits for
  // them and fails fast only when the cluster says it will not happen (kube/pod-waiting.ts).
  const { unschedulableTimeout } = planned.spawn.cluster;
  const status = await cluster.watch.waitReady(ctx.key, ctx.namespace, {
    signal,
    policy: { unschedulableTimeoutMs: unschedulableTimeout === null ? null : unschedulableTimeout * 1000 },
    onProgress: (e) => emit({ progress: 25 + Math.round((Math.min(100, Math.max(0, e.progress)) * 55) / 100), message: e.message }),
  });
  emit({ progress: 80, message: "Server running; waiting for the ingress route" });

  const url = publicUrl(ctx.cluster.ingressPublicUrl, ctx.prefix);
  let told = false;
  const route = routeCheck((attempt, last) => {
    if (!told && attempt >= 3) {
      told = true;
      emit({ progress: 85, message: `Waiting for ${ctx.cluster.ingressPublicUrl} to route ${ctx.prefix} (${last})` });
    }
  });
  // The built-in route check passes before the operator's checks start: they may probe the
  // server through the route (README: readiness hooks run "after the route answers").
  await runReadiness([route], ctx, url, hookLog, signal);
  emit({ progress: 95, message: "Route is up; running readiness checks" });
  await runReadiness(config.plugins, ctx, url, hookLog, signal);

  await markStarted(cluster.client, ctx.namespace, status.podName);
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
