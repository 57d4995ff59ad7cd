import { loadConfig } from "../config/load.ts";
import type { ClusterCredentials } from "../config/types.ts";
import { createKube } from "../kube/index.ts";
import type { Kube } from "../kube/index.ts";
import { runAuth } from "../plugins/auth.ts";
import { listen, type RpcServer } from "../rpc/server.ts";
import { serveHandlers } from "./handlers.ts";
import { stderrServeLog, type ServeLog } from "./log.ts";
import { ServerManager } from "./manager.ts";

export interface DaemonOptions {
  readonly configPath: string;
  readonly socketPath: string;
  /** 0o600 by default; 0o660 lets the socket's group in. */
  readonly socketMode?: number;
  readonly log?: ServeLog;
}

export interface Daemon {
  readonly socketPath: string;
  readonly servers: ServerManager;
  close(): Promise<void>;
}

/**
 * `mcks serve`: load the config, connect to every cluster (one shared watch each), rebuild
 * the state from what the clusters hold, then answer the hub on the socket.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.log ?? stderrServeLog();
  const { config, path } = await loadConfig(opts.configPath);
  const shutdown = new AbortController();
  const kube: Kube = await createKube({
    clusters: config.clusters.values(),
    credentialsOverride: (cluster): Promise<ClusterCredentials | undefined> =>
      runAuth(config.plugins, { cluster, log: log.child(`auth ${cluster.name}`), signal: shutdown.signal }),
  });
  const servers = new ServerManager(config, kube, log);
  let rpc: RpcServer | undefined;
  try {
    const recovered = await servers.recover();
    log.info(
      `config ${path}: ${config.clusters.size} clusters, ${config.profiles.length} profiles; recovered ${recovered.running} running servers, removed ${recovered.cleaned} objects of incomplete starts`,
    );
    rpc = await listen({
      socketPath: opts.socketPath,
      mode: opts.socketMode ?? 0o600,
      handlers: serveHandlers(config, kube, servers),
      log: {
        debug: () => {},
        info: (m) => log.info(m),
        warn: (m) => log.warn(m),
        error: (m, err) => log.error(err instanceof Error && err.stack ? `${m}\n${err.stack}` : m),
      },
    });
  } catch (err) {
    await kube.close();
    throw err;
  }
  const server = rpc;
  return {
    socketPath: server.socketPath,
    servers,
    async close() {
      shutdown.abort();
      await server.close();
      await kube.close();
    },
  };
}
