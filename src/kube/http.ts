/**
 * The one way `kube/` talks to an API server: plain HTTPS requests on a keep-alive pool,
 * with the cluster's credentials, JSON in and out, and newline-delimited watch streams.
 *
 * Why not client-node's generated API classes: each call goes through a serializer and a
 * middleware chain and re-resolves authentication; we need per-request control of
 * credentials (the `auth` override, exec caching, retry after 401), request counting
 * (one request per applied object is a goal we measure) and plain objects, not classes.
 */
import http from "node:http";
import https from "node:https";
import { ClusterUnreachableError, KubeApiError, parseStatus, publicAuthMessage } from "./errors.ts";
import type { CredentialProvider } from "./credentials.ts";
import { NO_OBSERVER, type KubeObserver } from "./observer.ts";

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Absolute API path, e.g. `/api/v1/namespaces/x/pods`. */
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON (also valid `application/apply-patch+yaml`). */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Socket idle timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /**
   * `finish`: the last request of a start whose server is already up (the started marker).
   * It has connections of its own, so it never queues behind the applies of the starts that
   * came after it (bench/ready-to-url.ts: in a burst of 1000 it waited tens of seconds).
   */
  readonly lane?: "finish";
}

export interface TlsSettings {
  readonly ca: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly servername: string | undefined;
}

/** Counters for tests and `doctor`: how many requests went to this cluster, by method. */
export interface RequestStats {
  /** Requests sent, watches not included (they are `byMethod.WATCH`). */
  total: number;
  byMethod: Record<string, number>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Concurrent requests (not watches) per cluster. Without a cap, a burst of 1000 starts opened
 * one TLS connection per in-flight apply (4200 sockets, 540 MiB RSS, the API servers busy with
 * handshakes: bench/burst.ts); a few dozen keep-alive connections carry the same load.
 * Watch streams hold their socket for minutes, so they use a pool of their own.
 */
const MAX_REQUEST_SOCKETS = 32;
/** As many as for requests: at the end of a burst every start is finishing at once. */
const MAX_FINISH_SOCKETS = MAX_REQUEST_SOCKETS;
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

function queryString(q: Query | undefined): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export class KubeHttp {
  readonly cluster: string;
  readonly server: URL;
  readonly stats: RequestStats = { total: 0, byMethod: {} };
  /** When the API server last answered anything (a status, a body, a watch line): ms, 0 = never. */
  lastAnswerAt = 0;
  readonly #tls: TlsSettings;
  readonly #credentials: CredentialProvider;
  readonly #observer: KubeObserver;
  /** Pools keyed by client certificate: an exec plugin or auth hook may rotate it. */
  readonly #agents = new Map<string, http.Agent>();

  constructor(cluster: string, server: string, tls: TlsSettings, credentials: CredentialProvider, observer: KubeObserver = NO_OBSERVER) {
    this.cluster = cluster;
    this.server = new URL(server.replace(/\/+$/, ""));
    this.#tls = tls;
    this.#credentials = credentials;
    this.#observer = observer;
  }

  /** A JSON request; throws KubeApiError (the server said no) or ClusterUnreachableError. */
  async json<T>(opts: RequestOptions): Promise<T> {
    const text = await this.#withRetry(opts, false, (res) => readBody(res));
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /**
   * A streaming GET (watch): `onLine` gets every complete line; resolves when the server
   * ends the stream, rejects on errors or when `signal` aborts.
   */
  stream(opts: RequestOptions, onLine: (line: string) => void): Promise<void> {
    return this.#withRetry(opts, true, (res) =>
      readLines(res, (line) => {
        this.lastAnswerAt = Date.now();
        onLine(line);
      }),
    );
  }

  close(): void {
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
  }

  async #withRetry<R>(opts: RequestOptions, streaming: boolean, consume: (res: http.IncomingMessage) => Promise<R>): Promise<R> {
    try {
      return await this.#once(opts, streaming, consume);
    } catch (err) {
      // An expired token: refresh credentials once (exec plugin / auth hook) and retry.
      if (err instanceof KubeApiError && err.status.code === 401) {
        this.#credentials.invalidate();
        return this.#once(opts, streaming, consume);
      }
      throw err;
    }
  }

  #agent(cert: string | undefined, key: string | undefined, lane: "watch" | "request" | "finish"): http.Agent {
    const id = `${cert ?? ""}\0${key ?? ""}\0${lane}`;
    let agent = this.#agents.get(id);
    if (!agent) {
      const maxSockets = { watch: Infinity, request: MAX_REQUEST_SOCKETS, finish: MAX_FINISH_SOCKETS }[lane];
      if (this.server.protocol === "http:") {
        agent = new http.Agent({ keepAlive: true, maxSockets });
      } else {
        agent = new https.Agent({
          keepAlive: true,
          maxSockets,
          ca: this.#tls.ca,
          cert,
          key,
          rejectUnauthorized: this.#tls.rejectUnauthorized,
          servername: this.#tls.servername,
        });
      }
      // Old pools (a rotated certificate) close their idle sockets themselves.
      this.#agents.set(id, agent);
    }
    return agent;
  }

  async #once<R>(opts: RequestOptions, streaming: boolean, consume: (res: http.IncomingMessage) => Promise<R>): Promise<R> {
    const creds = await this.#credentials.get();
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: "application/json", ...creds.headers };
    if (body !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const basePath = this.server.pathname === "/" ? "" : this.server.pathname;
    const reqPath = `${basePath}${opts.path}${queryString(opts.query)}`;
    const lib = this.server.protocol === "http:" ? http : https;
    if (!streaming) this.stats.total++;
    // Watches count apart from GETs: a watch re-opening in the background must not look
    // like a request of the operation being measured.
    const verb = streaming ? "WATCH" : opts.method;
    this.stats.byMethod[verb] = (this.stats.byMethod[verb] ?? 0) + 1;
    const what = `${opts.method} ${opts.path}`;
    const began = performance.now();
    let observed = false;
    // Once per request; a request we aborted ourselves (a stop, a shutdown) is not observed.
    const observe = (code: string) => {
      if (observed || opts.signal?.aborted) return;
      observed = true;
      this.#observer.request(this.cluster, verb, code, (performance.now() - began) / 1000);
    };

    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const req = lib.request({
        protocol: this.server.protocol,
        hostname: this.server.hostname.replace(/^\[|\]$/g, ""),
        port: this.server.port || undefined,
        method: opts.method,
        path: reqPath,
        headers,
        agent: this.#agent(creds.cert, creds.key, streaming ? "watch" : (opts.lane ?? "request")),
        signal: opts.signal,
      });
      req.setTimeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
        req.destroy(Object.assign(new Error(`no answer within ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`), { code: "ETIMEDOUT" }));
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err.name === "AbortError") return fail(opts.signal?.reason ?? err);
        observe("<error>");
        fail(this.#networkError(what, err));
      });
      req.on("response", (res) => {
        this.lastAnswerAt = Date.now();
        const code = res.statusCode ?? 0;
        if (streaming) observe(String(code));
        if (code >= 200 && code < 300) {
          consume(res).then(
            (r) => {
              observe(String(code));
              settled = true;
              resolve(r);
            },
            (err: NodeJS.ErrnoException) => {
              observe(String(code));
              fail(err.name === "AbortError" ? (opts.signal?.reason ?? err) : this.#networkError(what, err));
            },
          );
          return;
        }
        readBody(res).then(
          (text) => {
            observe(String(code));
            const status = parseStatus(code, text);
            fail(new KubeApiError(`cluster "${this.cluster}": ${status.message}`, status, { publicMessage: publicAuthMessage(this.cluster, code) }));
          },
          (err: NodeJS.ErrnoException) => {
            observe(String(code));
            fail(this.#networkError(what, err));
          },
        );
      });
      req.end(body);
    });
  }

  #networkError(what: string, err: NodeJS.ErrnoException): Error {
    if (err instanceof KubeApiError || err instanceof ClusterUnreachableError) return err;
    const tls = typeof err.code === "string" && (err.code.startsWith("ERR_TLS") || err.code.includes("CERT") || err.code.startsWith("ERR_SSL"));
    if (tls || NETWORK_CODES.has(err.code ?? "") || err.message === "socket hang up" || err.message.startsWith("aborted")) {
      return new ClusterUnreachableError(
        this.cluster,
        `cluster "${this.cluster}" (${this.server.origin}) is unreachable: ${what}: ${err.message}`,
        { cause: err },
      );
    }
    return err;
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (d: string) => (text += d));
    res.on("end", () => resolve(text));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("aborted while reading the answer")));
  });
}

function readLines(res: http.IncomingMessage, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = "";
    res.setEncoding("utf8");
    res.on("data", (d: string) => {
      rest += d;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line.trim() === "") continue;
        try {
          onLine(line);
        } catch (err) {
          res.destroy(err as Error);
          return;
        }
      }
    });
    res.on("end", () => resolve());
    res.on("error", reject);
    res.on("close", () => {
      if (!res.complete) reject(Object.assign(new Error("watch stream was cut"), { code: "ECONNRESET" }));
    });
  });
}
