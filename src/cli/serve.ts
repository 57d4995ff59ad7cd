import { command, option, optional, string } from "cmd-ts";
import { UserError } from "../errors.ts";
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
  },
  async handler(a) {
    if (!/^[0-7]{3}$/.test(a.mode)) throw new UserError(`--socket-mode ${a.mode}: expected octal permissions like 600 or 660`);
    const metricsListen = a.metricsListen === undefined ? undefined : parseListenAddress(a.metricsListen);
    // Loaded here, not at the top: dry-run and validate must never load the Kubernetes client.
    const { startDaemon } = await import("../serve/daemon.ts");
    const daemon = await startDaemon({ configPath: a.config, socketPath: a.socket, socketMode: Number.parseInt(a.mode, 8), metricsListen });
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        process.stderr.write(`mcks serve: ${sig}: finishing running requests, then exiting\n`);
        daemon.close().then(resolve, resolve);
      };
      process.on("SIGHUP", () => void daemon.reload());
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  },
});
