import { command, flag, option, optional, string } from "cmd-ts";
import { formatError, UserError } from "../errors.ts";
import { createServeLog, LOG_FORMATS, type LogFormat } from "../serve/log.ts";
import { parseListenAddress } from "../serve/metrics-http.ts";

export const serve = command({
  name: "serve",
  description: "Run the daemon the hub's MultiClusterKubeSpawner talks to (JSON-RPC on a Unix socket)",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
    socket: option({ long: "socket", type: string, description: "Unix socket path to listen on" }),
    mode: option({
      long: "socket-mode",
      type: string,
      defaultValue: () => "600",
      description: "permissions of the socket: 600 (owner only, default) or 660 (owner and group)",
    }),
    metricsListen: option({
      long: "metrics-listen",
      type: optional(string),
      description: "serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 (off by default)",
    }),
    logFormat: option({
      long: "log-format",
      type: string,
      defaultValue: () => "text",
      description: "text (one escaped line per event) or json (one object per line: time, level, msg, user, server, cluster, key, request)",
    }),
    allowInsecureHttp: flag({
      long: "allow-insecure-http",
      description: "accept http:// API servers in the kubeconfig (credentials travel unencrypted; loopback test servers only)",
    }),
  },
  async handler(a) {
    if (!/^[0-7]{3}$/.test(a.mode)) throw new UserError(`--socket-mode ${a.mode}: expected octal permissions like 600 or 660`);
    if (!(LOG_FORMATS as readonly string[]).includes(a.logFormat)) throw new UserError(`--log-format ${a.logFormat}: expected ${LOG_FORMATS.join(" or ")}`);
    const metricsListen = a.metricsListen === undefined ? undefined : parseListenAddress(a.metricsListen);
    const log = createServeLog({ format: a.logFormat as LogFormat });
    // Loaded here, not at the top: dry-run and validate must never load the Kubernetes client.
    const { startDaemon } = await import("../serve/daemon.ts");
    let daemon: Awaited<ReturnType<typeof startDaemon>>;
    try {
      daemon = await startDaemon({
        log,
        configPath: a.config,
        socketPath: a.socket,
        socketMode: Number.parseInt(a.mode, 8),
        allowInsecureHttp: a.allowInsecureHttp,
        metricsListen,
      });
    } catch (err) {
      if (a.logFormat === "text") throw err;
      // A JSON log stays one object per line to the end.
      log.error(formatError(err).replace(/^mcks: /, "").split("\n").map((l) => l.trim()).join(" "));
      process.exitCode = 1;
      return;
    }
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info(`${sig}: finishing running requests, then exiting`);
        daemon.close().then(resolve, resolve);
      };
      process.on("SIGHUP", () => void daemon.reload());
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  },
});
