import type { Kube } from "../kube/index.ts";
import { describeProfiles } from "../profile/describe.ts";
import type { RequestContext } from "../rpc/dispatch.ts";
import { clusterFor } from "../spawn/cluster-choice.ts";
import { renderPlan } from "../spawn/plan.ts";
import { sendProgress, type Handlers } from "../rpc/protocol.ts";
import { VERSION } from "../version.ts";
import { idleGc } from "./idle-gc.ts";
import type { ServeLog } from "./log.ts";
import type { ServerManager } from "./manager.ts";

/** The socket methods (docs/architecture.md "The socket protocol"), each a thin wrapper around the manager. */
export function serveHandlers(kube: Kube, servers: ServerManager, log: ServeLog): Handlers {
  const gc = idleGc();
  // Every log line of a call carries which call it was: `<connection>/<id>`.
  const requestLog = (ctx: RequestContext) => log.with({ request: `${ctx.connectionId}/${ctx.id === undefined ? "-" : String(ctx.id)}` });
  return {
    health() {
      const clusters: Record<string, { reachable: boolean; error?: string }> = {};
      for (const [name, h] of Object.entries(kube.health())) {
        clusters[name] = h.error && !h.reachable ? { reachable: false, error: h.error } : { reachable: h.reachable };
      }
      const m = process.memoryUsage();
      const daemon = { servers: servers.registry.size, rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external };
      return { version: VERSION, clusters, daemon };
    },
    "profiles.list"({ user }) {
      const config = servers.config;
      const health = kube.health();
      return describeProfiles(config, user).map((summary) => {
        const profile = config.profiles.find((p) => p.slug === summary.slug);
        if (!profile) return summary;
        const objects = () => {
          try {
            return renderPlan(config, { user, server: "", profile: profile.slug }).objects.list();
          } catch {
            return []; // a profile that cannot render for this user fails its start with the reason
          }
        };
        return { ...summary, cluster: clusterFor(profile, health, objects) };
      });
    },
    "server.start"(p, ctx) {
      return gc.track(servers.start(
        { ...p, hubCmd: p.cmd, hubArgs: p.args },
        (event) => sendProgress(ctx, { user: p.user.name, server: p.server, event }),
        // The hub hanging up (restart, its own timeout) cancels the start: nobody would
        // store the result, so the objects must not stay behind.
        ctx.signal,
        requestLog(ctx),
      ));
    },
    "server.poll"(p) {
      return { status: servers.poll(p) };
    },
    async "server.stop"(p, ctx) {
      await gc.track(servers.stop(p, p.now, requestLog(ctx)));
      return {};
    },
    async "server.delete"(p, ctx) {
      await gc.track(servers.delete(p, requestLog(ctx)));
      return {};
    },
    "servers.list"() {
      return servers.list();
    },
  };
}
