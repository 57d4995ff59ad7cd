import type { ResolvedConfig } from "../config/resolve.ts";
import type { HookLog } from "../config/types.ts";
import { ConfidentialError, UserError } from "../errors.ts";
import { applyObjects, markStarted, ServerFailedError } from "../kube/index.ts";
import type { Kube } from "../kube/index.ts";
import { extraKinds, type KindRef } from "../objects/kinds.ts";
import type { SpawnRequest } from "../profile/resolve-spawn.ts";
import type { ProgressEvent, StartResult } from "../rpc/protocol.ts";
import { runReadiness } from "./hooks/readiness.ts";
import { routeCheck } from "./hooks/route.ts";
import { planServer } from "./plan.ts";

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

  const planned = await planServer(config, req, { log: hookLog, signal });
  const { ctx } = planned.spawn;
  const objects = planned.objects.list();
  Object.assign(trace, {
    cluster: ctx.cluster.name,
    namespace: ctx.namespace,
    key: ctx.key,
    profile: ctx.profile.slug,
    url: publicUrl(ctx.cluster.ingressPublicUrl, ctx.prefix),
    extraKinds: extraKinds(objects),
  });
  emit({ progress: 5, message: `Starting on ${ctx.profile.displayName} (cluster ${ctx.cluster.name})` });

  const cluster = kube.cluster(ctx.cluster.name);
  const conn = cluster.watch.connection();
  if (!conn.reachable && conn.lastError !== "not connected yet") {
    // The error names the API server and the network failure: for the daemon's log only.
    throw new ConfidentialError(
      `cluster "${ctx.cluster.name}" is unreachable (${conn.lastError ?? "no answer"})`,
      `cluster "${ctx.cluster.name}" cannot be reached right now; try another profile or try again in a few minutes`,
    );
  }

  emit({ progress: 10, message: `Creating ${objects.length} objects in namespace ${ctx.namespace}` });
  trace.applied = true;
  await applyObjects(cluster.client, objects, { signal });
  emit({ progress: 25, message: "Objects created; waiting for the server's Pod" });

  const status = await cluster.watch.waitReady(ctx.key, ctx.namespace, {
    signal,
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
  emit({ progress: 100, message: `Server ready at ${url}` });
  return { url, state: { cluster: ctx.cluster.name, namespace: ctx.namespace, key: ctx.key, profile: ctx.profile.slug } };
}

/** The hub shows this message to the user, so it says what failed in their terms. */
export function startFailureMessage(err: unknown, timeoutSeconds: number, timedOut: boolean, lastProgress: string): string {
  if (timedOut) return `the server did not become ready within ${timeoutSeconds} s (last: ${lastProgress}); it was stopped`;
  if (err instanceof ServerFailedError) return err.message;
  if (err instanceof UserError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
