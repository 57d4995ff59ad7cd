/**
 * The default "container": a tiny stand-in for jupyterhub-singleuser served from the agent's own
 * process (one http.Server per pod and port, bound to the pod IP), so a 1000-pod bed fits in
 * one Node process. It answers under JUPYTERHUB_SERVICE_PREFIX only, like the real server.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { acceptEcho } from "./websocket-echo.ts";
import type { RunningServer, ServerContext } from "./server.ts";

/** The JupyterHub version the mock claims; pods may override it with env MOCK_JUPYTERHUB_VERSION. */
export const MOCK_HUB_VERSION = "5.4.0";
/** The jupyter_server version reported by `<prefix>api`, like the real `/api` endpoint. */
export const MOCK_SERVER_VERSION = "2.16.0";

function normalizePrefix(raw: string | undefined): string {
  let p = raw && raw.length > 0 ? raw : "/";
  if (!p.startsWith("/")) p = `/${p}`;
  return p.endsWith("/") ? p : `${p}/`;
}

export function startMockServer(ctx: ServerContext): RunningServer {
  const prefix = normalizePrefix(ctx.env.get("JUPYTERHUB_SERVICE_PREFIX"));
  const hubVersion = ctx.env.get("MOCK_JUPYTERHUB_VERSION") ?? MOCK_HUB_VERSION;
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse, port: number) => {
    const path = (req.url ?? "/").split("?")[0]!;
    res.setHeader("X-JupyterHub-Version", hubVersion);
    if (`${path}/` === prefix) {
      res.writeHead(302, { Location: prefix }).end();
      return;
    }
    if (!path.startsWith(prefix)) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "Not Found", path }));
      return;
    }
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", () => {
      const rest = path.slice(prefix.length);
      const body =
        rest === "api" || rest === "api/"
          ? { version: MOCK_SERVER_VERSION }
          : {
              server: "testbed-mock-singleuser",
              namespace: ctx.namespace,
              pod: ctx.pod,
              ip: ctx.ip,
              port,
              method: req.method,
              path: req.url,
              host: req.headers.host,
              bodyBytes,
            };
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  };

  const servers: Server[] = [];
  const listening: Array<Promise<void>> = [];
  for (const port of ctx.ports) {
    const server = createServer((req, res) => handle(req, res, port));
    server.keepAliveTimeout = 5000;
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const path = (req.url ?? "/").split("?")[0]!;
      if (!path.startsWith(prefix)) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      acceptEcho(req, socket, head);
    });
    listening.push(
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, ctx.ip, () => resolve());
      }),
    );
    servers.push(server);
  }

  return {
    ready: Promise.all(listening).then(() => undefined),
    exited: new Promise(() => undefined),
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
    },
  };
}
