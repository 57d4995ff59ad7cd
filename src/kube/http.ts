/**
 * The one way `kube/` talks to an API server: HTTP/2 over TLS (one connection per cluster and
 * client certificate, every request and watch a stream of it), with the cluster's
 * credentials, JSON in and out, and newline-delimited watch streams. A server that does not
 * offer HTTP/2 (an `http://` URL, a proxy in front of the API server) gets HTTP/1.1 on a
 * keep-alive pool instead.
 *
 * Why HTTP/2: a request costs the daemon a third less CPU than over HTTP/1.1, and a cluster
 * needs one TLS handshake instead of one per pooled connection (client-go uses HTTP/2 too).
 * Why not client-node's generated API classes: each call goes through a serializer and a
 * middleware chain and re-resolves authentication; we need per-request control of
 * credentials (the `auth` override, exec caching, retry after 401), request counting
 * (one request per applied object is a goal we measure) and plain objects, not classes.
 */
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { Readable } from "node:stream";
import tls from "node:tls";
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
 * Over HTTP/1.1 watch streams hold their socket for minutes, so they use a pool of their own.
 */
const MAX_REQUEST_SOCKETS = 32;
/**
 * Concurrent request streams (not watches) on one HTTP/2 connection; the rest wait their turn.
 * The API server refuses streams beyond its own limit (Go's default: 250), watches included.
 */
const MAX_REQUEST_STREAMS = 64;
/** A stream timed out: the connection is given this long to answer a PING, or it is dropped. */
const PING_TIMEOUT_MS = 10_000;
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

/** An answer's status and its body as a stream, whichever HTTP version carried it. */
interface Answer {
  readonly status: number;
  readonly body: Readable;
}

/** A request ready to go: what both transports send. */
interface Outgoing {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly streaming: boolean;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
}

/** First in, first out: at most `size` holders at once. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(turn);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(turn);
    });
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** One HTTP/2 connection; `undefined` once the server turned out not to speak HTTP/2. */
interface Session {
  readonly ready: Promise<http2.ClientHttp2Session | undefined>;
  session: http2.ClientHttp2Session;
}

/** Receive windows of the HTTP/2 connection and of each stream (see `#session`). */
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 32 * 1024 * 1024;

/** Connections the server is closing (GOAWAY): the last stream it will still answer. */
const lastStreamOf = new WeakMap<http2.ClientHttp2Session, number>();

/** A request the server never started on: refused (its stream limit, a closing connection) or sent to a closed connection. */
function notProcessed(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ERR_HTTP2_GOAWAY_SESSION" || e?.code === "ERR_HTTP2_INVALID_SESSION") return true;
  return e?.code === "ERR_HTTP2_STREAM_ERROR" && /REFUSED_STREAM/.test(e.message);
}

const timeoutError = (ms: number) => Object.assign(new Error(`no answer within ${Math.round(ms / 1000)} s`), { code: "ETIMEDOUT" });

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
  /** HTTP/2 connections keyed by client certificate, likewise. */
  readonly #sessions = new Map<string, Session>();
  readonly #streams = new Slots(MAX_REQUEST_STREAMS);
  /** False once the server answered a TLS connection without HTTP/2: HTTP/1.1 from then on. */
  #h2: boolean;

  constructor(cluster: string, server: string, tls: TlsSettings, credentials: CredentialProvider, observer: KubeObserver = NO_OBSERVER) {
    this.cluster = cluster;
    this.server = new URL(server.replace(/\/+$/, ""));
    this.#tls = tls;
    this.#credentials = credentials;
    this.#observer = observer;
    this.#h2 = this.server.protocol === "https:";
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
    for (const s of this.#sessions.values()) s.session.destroy();
    this.#sessions.clear();
  }

  async #withRetry<R>(opts: RequestOptions, streaming: boolean, consume: (body: Readable) => Promise<R>): Promise<R> {
    const generation = this.#credentials.generation;
    try {
      return await this.#once(opts, streaming, consume);
    } catch (err) {
      // An expired token: refresh credentials once (exec plugin / auth hook) and retry.
      if (err instanceof KubeApiError && err.status.code === 401) {
        // kube-apiserver closes an HTTP/2 connection after an unauthenticated request (its
        // UnauthenticatedHTTP2DOSMitigation, on by default since 1.29): the retry goes on a new
        // one; running streams of the old one (watches) finish there. Only the first 401 of the
        // stale credentials retires it: a late one would close the new connection under its
        // requests.
        if (this.#credentials.invalidate(generation)) this.#retireSessions();
        return this.#once(opts, streaming, consume);
      }
      throw err;
    }
  }

  #agent(cert: string | undefined, key: string | undefined, streaming: boolean): http.Agent {
    const id = `${cert ?? ""}\0${key ?? ""}\0${streaming ? "watch" : "request"}`;
    let agent = this.#agents.get(id);
    if (!agent) {
      const maxSockets = streaming ? Infinity : MAX_REQUEST_SOCKETS;
      if (this.server.protocol === "http:") {
        agent = new http.Agent({ keepAlive: true, maxSockets });
      } else {
        agent = new https.Agent({
          keepAlive: true,
          maxSockets,
          // One TLS context per pool: without it every new connection parses the CA, the
          // certificate and the key again (tls.connect makes a context per call).
          secureContext: tls.createSecureContext({ ca: this.#tls.ca, cert, key }),
          rejectUnauthorized: this.#tls.rejectUnauthorized,
          servername: this.#tls.servername,
        });
      }
      // Old pools (a rotated certificate) close their idle sockets themselves.
      this.#agents.set(id, agent);
    }
    return agent;
  }

  async #once<R>(opts: RequestOptions, streaming: boolean, consume: (body: Readable) => Promise<R>): Promise<R> {
    const creds = await this.#credentials.get();
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    // Lower case: HTTP/2 requires it, HTTP/1.1 does not mind.
    const headers: Record<string, string> = { accept: "application/json" };
    for (const [k, v] of Object.entries(creds.headers)) headers[k.toLowerCase()] = v;
    if (body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const basePath = this.server.pathname === "/" ? "" : this.server.pathname;
    const path = `${basePath}${opts.path}${queryString(opts.query)}`;
    const outgoing: Outgoing = {
      method: opts.method,
      path,
      headers,
      body,
      cert: creds.cert,
      key: creds.key,
      streaming,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
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
    const failure = (err: NodeJS.ErrnoException): unknown => (err.name === "AbortError" ? (opts.signal?.reason ?? err) : this.#networkError(what, err));

    let answer: Answer;
    try {
      answer = await this.#send(outgoing);
    } catch (err) {
      if ((err as Error).name !== "AbortError") observe("<error>");
      throw failure(err as NodeJS.ErrnoException);
    }
    this.lastAnswerAt = Date.now();
    const code = answer.status;
    if (streaming) observe(String(code));
    if (code >= 200 && code < 300) {
      try {
        const r = await consume(answer.body);
        observe(String(code));
        return r;
      } catch (err) {
        observe(String(code));
        throw failure(err as NodeJS.ErrnoException);
      }
    }
    let text: string;
    try {
      text = await readBody(answer.body);
    } catch (err) {
      observe(String(code));
      throw failure(err as NodeJS.ErrnoException);
    }
    observe(String(code));
    const status = parseStatus(code, text);
    throw new KubeApiError(`cluster "${this.cluster}": ${status.message}`, status, { publicMessage: publicAuthMessage(this.cluster, code) });
  }

  /** Sends over HTTP/2 when the server speaks it, else HTTP/1.1; resolves with the answer's head. */
  async #send(o: Outgoing): Promise<Answer> {
    if (this.#h2) {
      const session = await this.#session(o.cert, o.key);
      if (session) {
        try {
          return await this.#sendH2(session, o);
        } catch (err) {
          // The server did not take the stream (it is closing the connection): nothing was
          // done, so it goes once more, on a new connection.
          if (!notProcessed(err)) throw err;
          // No destroy: the connection's other streams (watches, requests that may have landed)
          // finish on it; #session opens a new one once this one is closed.
          const again = await this.#session(o.cert, o.key);
          if (again) return this.#sendH2(again, o);
        }
      }
    }
    return this.#sendH1(o);
  }

  #sendH1(o: Outgoing): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let answer: http.IncomingMessage | undefined;
      const lib = this.server.protocol === "http:" ? http : https;
      const req = lib.request({
        protocol: this.server.protocol,
        hostname: this.server.hostname.replace(/^\[|\]$/g, ""),
        port: this.server.port || undefined,
        method: o.method,
        path: o.path,
        headers: o.headers,
        agent: this.#agent(o.cert, o.key, o.streaming),
        signal: o.signal,
      });
      req.setTimeout(o.timeoutMs, () => req.destroy(timeoutError(o.timeoutMs)));
      req.on("error", (err) => (answer ? answer.destroy(err) : reject(err)));
      req.on("response", (res) => {
        answer = res;
        // Its reader listens from the next tick on; an error before that must not go unhandled.
        res.on("error", () => {});
        resolve({ status: res.statusCode ?? 0, body: res });
      });
      req.end(o.body);
    });
  }

  async #sendH2(session: http2.ClientHttp2Session, o: Outgoing): Promise<Answer> {
    // Watches are few and long: they do not queue behind requests.
    if (!o.streaming) await this.#streams.acquire(o.signal);
    let released = o.streaming;
    const release = () => {
      if (!released) this.#streams.release();
      released = true;
    };
    try {
      return await new Promise<Answer>((resolve, reject) => {
        let answered = false;
        const stream = session.request(
          { ":method": o.method, ":path": o.path, ...o.headers },
          { endStream: o.body === undefined, ...(o.signal ? { signal: o.signal } : {}) },
        );
        stream.on("close", () => {
          release();
          // Closed before its head came (a watch's head may wait for its first event): the
          // connection went away (a cancelled stream emits no error), so the caller retries.
          if (answered) return;
          // Above the last stream of a GOAWAY the server never took it: safe to send again.
          const last = lastStreamOf.get(session);
          if (last !== undefined && stream.id !== undefined && stream.id > last) {
            reject(Object.assign(new Error("the server closed the connection before taking the stream (GOAWAY)"), { code: "ERR_HTTP2_GOAWAY_SESSION" }));
          } else {
            reject(Object.assign(new Error(`the stream closed before an answer (HTTP/2 code ${stream.rstCode})`), { code: "ECONNRESET" }));
          }
        });
        stream.setTimeout(o.timeoutMs, () => {
          this.#checkAlive(session);
          stream.destroy(timeoutError(o.timeoutMs));
        });
        stream.on("error", (err) => {
          if (!answered) reject(err);
        });
        stream.on("response", (head) => {
          answered = true;
          resolve({ status: Number(head[http2.constants.HTTP2_HEADER_STATUS]), body: stream });
        });
        if (o.body !== undefined) stream.end(o.body);
      });
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The HTTP/2 connection for this client certificate; undefined when the server does not speak HTTP/2. */
  #session(cert: string | undefined, key: string | undefined): Promise<http2.ClientHttp2Session | undefined> {
    const id = `${cert ?? ""}\0${key ?? ""}`;
    const known = this.#sessions.get(id);
    if (known && !known.session.closed && !known.session.destroyed) return known.ready;
    const session = http2.connect(this.server.origin, {
      ca: this.#tls.ca,
      cert,
      key,
      rejectUnauthorized: this.#tls.rejectUnauthorized,
      ...(this.#tls.servername ? { servername: this.#tls.servername } : {}),
      // HTTP/2's default 64 KiB windows let the server send only that much before the daemon's
      // event loop acknowledges it: in a burst the watch's events queued behind the applies'
      // answers for seconds. Go's HTTP/2 client, which client-go uses, takes 4 MiB per stream too.
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    const forget = () => {
      if (this.#sessions.get(id)?.session === session) this.#sessions.delete(id);
    };
    const ready = new Promise<http2.ClientHttp2Session | undefined>((resolve, reject) => {
      let connected = false;
      session.once("connect", () => {
        connected = true;
        if (session.alpnProtocol === "h2") {
          session.setLocalWindowSize(CONNECTION_WINDOW);
          return resolve(session);
        }
        // TLS, but no HTTP/2 on the other side (a proxy): HTTP/1.1 for this client from now on.
        this.#h2 = false;
        session.destroy();
        resolve(undefined);
      });
      session.on("error", (err: NodeJS.ErrnoException) => {
        if (connected) return; // its streams fail with it
        if (err.code === "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL") {
          this.#h2 = false;
          return resolve(undefined);
        }
        reject(err);
      });
    });
    // A connection the server is closing (GOAWAY) keeps its running streams; new ones go to a new one.
    session.on("goaway", (_code: number, lastStreamID: number) => {
      lastStreamOf.set(session, lastStreamID);
      forget();
    });
    session.on("close", forget);
    this.#sessions.set(id, { ready, session });
    return ready;
  }

  /** New streams go to new connections; the old ones close once their streams are done. */
  #retireSessions(): void {
    for (const { session } of this.#sessions.values()) session.close();
    this.#sessions.clear();
  }

  /** A stream timed out: if the connection under it is dead too, drop it, so the next request reconnects. */
  #checkAlive(session: http2.ClientHttp2Session): void {
    if (session.destroyed) return;
    const timer = setTimeout(() => session.destroy(timeoutError(PING_TIMEOUT_MS)), PING_TIMEOUT_MS);
    timer.unref();
    const sent = session.ping((err) => {
      clearTimeout(timer);
      if (err) session.destroy(err);
    });
    if (!sent) clearTimeout(timer);
  }

  #networkError(what: string, err: NodeJS.ErrnoException): Error {
    if (err instanceof KubeApiError || err instanceof ClusterUnreachableError) return err;
    const code = typeof err.code === "string" ? err.code : "";
    const tls = code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("ERR_SSL");
    // The HTTP/2 connection or a stream of it failed (reset, closed, protocol error).
    const h2 = code.startsWith("ERR_HTTP2_");
    if (tls || h2 || NETWORK_CODES.has(code) || err.message === "socket hang up" || err.message.startsWith("aborted")) {
      return new ClusterUnreachableError(
        this.cluster,
        `cluster "${this.cluster}" (${this.server.origin}) is unreachable: ${what}: ${err.message}`,
        { cause: err },
      );
    }
    return err;
  }
}

function readBody(body: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    let ended = false;
    body.setEncoding("utf8");
    body.on("data", (d: string) => (text += d));
    body.on("end", () => {
      ended = true;
      resolve(text);
    });
    body.on("error", reject);
    body.on("close", () => {
      if (!ended) reject(Object.assign(new Error("aborted while reading the answer"), { code: "ECONNRESET" }));
    });
  });
}

function readLines(body: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = "";
    let ended = false;
    body.setEncoding("utf8");
    body.on("data", (d: string) => {
      rest += d;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        if (line.trim() === "") continue;
        try {
          onLine(line);
        } catch (err) {
          body.destroy(err as Error);
          return;
        }
      }
    });
    body.on("end", () => {
      ended = true;
      resolve();
    });
    body.on("error", reject);
    body.on("close", () => {
      if (!ended) reject(Object.assign(new Error("watch stream was cut"), { code: "ECONNRESET" }));
    });
  });
}
