import { loadConfig } from "../config/load.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { setCacheWarningSink } from "../config/transpile-cache.ts";
import type { ClusterCredentials } from "../config/types.ts";
import { configWarnings } from "../config/warnings.ts";
import { UserError } from "../errors.ts";
import { createKube } from "../kube/index.ts";
import type { Kube } from "../kube/index.ts";
import { runAuth } from "../spawn/hooks/auth.ts";
import { bindHandlers } from "../rpc/protocol.ts";
import { listenMethods, type RpcServer } from "../rpc/server.ts";
import { VERSION } from "../version.ts";
import { serveHandlers } from "./handlers.ts";
import { stderrServeLog, type ServeLog } from "./log.ts";
import { ServerManager } from "./manager.ts";
import type { ListenAddress, MetricsListener } from "./metrics-http.ts";
import type { Metrics } from "./metrics.ts";

export interface DaemonOptions {
  readonly configPath: string;
  readonly socketPath: string;
  /** 0o600 by default; 0o660 lets the socket's group in. */
  readonly socketMode?: number;
  /** Accept http:// API servers (`--allow-insecure-http`). */
  readonly allowInsecureHttp?: boolean;
  readonly log?: ServeLog;
  /** Serve Prometheus metrics there (`--metrics-listen`); no metrics at all without it. */
  readonly metricsListen?: ListenAddress;
}

export interface Daemon {
  readonly socketPath: string;
  readonly servers: ServerManager;
  /** `http://HOST:PORT/metrics` when `metricsListen` was given. */
  readonly metricsUrl: string | undefined;
  /** Load config.ts again (SIGHUP). A bad config is logged and the running one kept: false. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

/** The cluster settings a running daemon cannot change (each cluster has its client and watch). */
function clusterKey(config: ResolvedConfig): string {
  return JSON.stringify([config.hubId, ...[...config.clusters.values()].map((c) => [c.name, c.context, c.kubeconfig ?? "", c.namespace])]);
}

/**
 * `mcks serve`: load the config, connect to every cluster (one shared watch each), rebuild
 * the state from what the clusters hold, then answer the hub on the socket.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.log ?? stderrServeLog();
  setCacheWarningSink((m) => log.warn(m));
  const { config, path } = await loadConfig(opts.configPath);
  for (const w of configWarnings(config)) log.warn(w);
  const shutdown = new AbortController();
  // The auth hooks in force; a reload may change them.
  let plugins = config.plugins;
  // Loaded only when asked for: without --metrics-listen there is no registry and no observer.
  // The gauges read `servers` and `kube` at scrape time, which begins after both exist.
  const metrics: Metrics | undefined = opts.metricsListen
    ? (await import("./metrics.ts")).createMetrics({ servers: () => servers.known(), clusters: () => kube.health() }, VERSION)
    : undefined;
  const kube: Kube = await createKube({
    clusters: config.clusters.values(),
    credentialsOverride: (cluster): Promise<ClusterCredentials | undefined> =>
      runAuth(plugins, { cluster, log: log.child(`auth ${cluster.name}`), signal: shutdown.signal }),
    allowInsecureHttp: opts.allowInsecureHttp,
    warn: (m) => log.warn(m),
    hubId: config.hubId,
    observer: metrics?.kube,
  });
  const servers = new ServerManager(config, kube, log, metrics?.spawned);
  let rpc: RpcServer | undefined;
  let metricsListener: MetricsListener | undefined;
  try {
    const recovered = await servers.recover();
    log.info(
      `config ${path}: ${config.clusters.size} clusters, ${config.profiles.length} profiles; recovered ${recovered.running} running servers, removed ${recovered.cleaned} objects of incomplete starts`,
    );
    const methods = bindHandlers(serveHandlers(kube, servers, log));
    rpc = await listenMethods({
      socketPath: opts.socketPath,
      mode: opts.socketMode ?? 0o600,
      methods: metrics ? metrics.instrument(methods) : methods,
      log: {
        debug: () => {},
        info: (m) => log.info(m),
        warn: (m) => log.warn(m),
        error: (m, err) => log.error(m, err),
      },
    });
    if (metrics && opts.metricsListen) {
      const { listenMetrics } = await import("./metrics-http.ts");
      metricsListener = await listenMetrics(opts.metricsListen, metrics.registry);
      log.info(`metrics at ${metricsListener.url}`);
    }
  } catch (err) {
    await rpc?.close();
    await kube.close();
    throw err;
  }
  const server = rpc;
  return {
    socketPath: server.socketPath,
    servers,
    metricsUrl: metricsListener?.url,
    async reload() {
      try {
        const next = await loadConfig(opts.configPath);
        if (clusterKey(next.config) !== clusterKey(servers.config)) {
          throw new UserError("the clusters in config.ts changed (name, context, kubeconfig or namespace), or its hubId; restart mcks serve to apply that");
        }
        for (const w of configWarnings(next.config)) log.warn(w);
        servers.setConfig(next.config);
        plugins = next.config.plugins;
        log.info(`reloaded ${next.path}: ${next.config.profiles.length} profiles, ${next.config.plugins.length} plugins`);
        return true;
      } catch (err) {
        const details = err instanceof UserError && err.details.length > 0 ? ` (${err.details.join("; ")})` : "";
        log.error(`reload failed, keeping the running config: ${err instanceof Error ? err.message : String(err)}${details}`);
        return false;
      }
    },
    async close() {
      shutdown.abort();
      await metricsListener?.close();
      await server.close();
      await kube.close();
    },
  };
}
