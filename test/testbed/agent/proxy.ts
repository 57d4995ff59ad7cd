/**
 * The fake ingress controller's data plane: an HTTP + WebSocket reverse proxy on
 * 127.0.0.1:<ingress-port>. Host header and path pass through unchanged, bodies stream,
 * upgrades are spliced at the socket level. 404 = no route, 503 = route without ready pods,
 * 502 = the pod did not answer. `/_agent/healthz` and `/_agent/routes` are the agent's own, and
 * `POST /_agent/nodes/<node>/down|up` is how `npm run testbed -- fault` reaches the agent.
 */
import { Agent, createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Route } from "./routes.ts";
import type { RouteTable } from "./route-table.ts";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardHeaders(raw: readonly string[], req: IncomingMessage, keepUpgrade: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) && !(keepUpgrade && (name === "upgrade" || name === "connection"))) continue;
    if (name.startsWith("x-forwarded-")) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  const host = req.headers.host ?? "";
  out.push("X-Forwarded-For", req.socket.remoteAddress ?? "127.0.0.1", "X-Forwarded-Host", host, "X-Forwarded-Proto", "http");
  out.push("X-Real-IP", req.socket.remoteAddress ?? "127.0.0.1");
  return out;
}

function requestHost(req: IncomingMessage): string {
  const host = (req.headers.host ?? "").toLowerCase();
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
}

export interface ProxyStatus {
  healthy(): boolean;
  info(): Record<string, unknown>;
}

export type FaultAction = "node-down" | "node-up";
export type FaultHandler = (action: FaultAction, node: string) => Promise<void>;

export function createProxy(table: RouteTable, status: ProxyStatus, fault: FaultHandler): Server {
  const agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });
  const counters = new Map<string, number>();

  /** Round-robin over the route's ready pods. */
  const pick = (r: Route): string => {
    const key = `${r.service}`;
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    return r.endpoints[n % r.endpoints.length]!;
  };

  const reply = (res: ServerResponse, code: number, message: string) => {
    res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", "X-Testbed-Ingress": "1" }).end(`${message}\n`);
  };

  const route = (req: IncomingMessage): { route?: Route; endpoint?: string; code: number; message: string } => {
    const path = (req.url ?? "/").split("?")[0]!;
    const r = table.lookup(requestHost(req), path);
    if (!r) return { code: 404, message: `404 Not Found: no ingress rule for ${req.headers.host ?? ""}${path}` };
    if (r.endpoints.length === 0) return { route: r, code: 503, message: `503 Service Unavailable: no ready endpoints for ${r.service}` };
    return { route: r, endpoint: pick(r), code: 200, message: "" };
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/_agent/healthz") {
      // `?gc=1` on an agent started with --expose-gc: measure live memory, not garbage.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc && (req.url ?? "").includes("gc=1")) gc();
      const ok = status.healthy();
      res.writeHead(ok ? 200 : 503, { "Content-Type": "application/json" }).end(JSON.stringify({ ok, ...status.info() }));
      return;
    }
    const nodeFault = /^\/_agent\/nodes\/([^/]+)\/(down|up)$/.exec(path);
    if (nodeFault && req.method === "POST") {
      req.resume();
      const json = (code: number, body: unknown) => res.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      fault(`node-${nodeFault[2]}` as FaultAction, decodeURIComponent(nodeFault[1]!)).then(
        () => json(200, { ok: true }),
        (err: unknown) => json(409, { ok: false, error: (err as Error).message }),
      );
      return;
    }
    if (path === "/_agent/routes") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(table.snapshot(), null, 2));
      return;
    }
    const target = route(req);
    if (!target.endpoint) {
      req.resume();
      reply(res, target.code, target.message);
      return;
    }
    const [host, port] = target.endpoint.split(":") as [string, string];
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: forwardHeaders(req.rawHeaders, req, false), agent },
      (ures) => {
        const headers: string[] = [];
        for (let i = 0; i + 1 < ures.rawHeaders.length; i += 2) {
          if (!HOP_BY_HOP.has(ures.rawHeaders[i]!.toLowerCase())) headers.push(ures.rawHeaders[i]!, ures.rawHeaders[i + 1]!);
        }
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
        ures.pipe(res);
        ures.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) reply(res, 502, `502 Bad Gateway: ${target.endpoint} (${target.route?.service}): ${err.message}`);
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const target = route(req);
    if (!target.endpoint) {
      socket.end(`HTTP/1.1 ${target.code} ${target.code === 404 ? "Not Found" : "Service Unavailable"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = target.endpoint.split(":") as [string, string];
    const upstream: Socket = connect({ host, port: Number(port) });
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      const headers = forwardHeaders(req.rawHeaders, req, true);
      let head1 = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i + 1 < headers.length; i += 2) head1 += `${headers[i]}: ${headers[i + 1]}\r\n`;
      upstream.write(`${head1}\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => {
      if (!connected) socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      else socket.destroy();
    });
    socket.on("close", () => upstream.destroy());
    upstream.on("close", () => socket.destroy());
  });

  // Keep-alive clients (test runners, the hub) must not hold shutdown open.
  server.keepAliveTimeout = 5000;
  return server;
}
