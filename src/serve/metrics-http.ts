/**
 * The HTTP listener of `--metrics-listen HOST:PORT`: `GET /metrics` in Prometheus' text format,
 * nothing else. Plain node:http: one route does not need a framework.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../errors.ts";
import type { Registry } from "prom-client";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464`; port 0 picks a free one. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new UserError(`--metrics-listen ${text}: expected HOST:PORT, e.g. 127.0.0.1:9464 (an IPv6 address in brackets: [::1]:9464)`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

export interface MetricsListener {
  /** `http://HOST:PORT/metrics` as bound (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listenMetrics(address: ListenAddress, registry: Registry): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("mcks serves only /metrics here\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (err: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  // A scraper that keeps its connection open must not hold up the daemon's exit.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new UserError(`--metrics-listen ${address.host}:${address.port}: cannot listen: ${err.code === "EADDRINUSE" ? "the port is in use" : err.message}`)),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
