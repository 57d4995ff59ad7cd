/**
 * A small client for the daemon's socket: calls matched to responses by id (so many may be
 * in flight on one connection), per-call timeouts, a notification callback. Used by tests,
 * bench/rpc.ts and mcks tooling; the hub has its own Python client.
 */
import { createConnection } from "node:net";
import type { Socket } from "node:net";
import { UserError } from "../errors.ts";
import { createLineSplitter, MAX_MESSAGE_BYTES } from "./framing.ts";
import type { MethodName, ParamsIn, Results } from "./protocol.ts";

/** The daemon answered with a JSON-RPC error. */
export class RpcCallError extends Error {
  override readonly name = "RpcCallError";
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export interface CallOptions {
  /** Reject after this long (the daemon keeps working: the protocol has no cancel). 0 = never. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ClientOptions {
  readonly onNotification?: (method: string, params: unknown) => void;
  /** Error responses with id null (parse error, oversized message) cannot be matched to a call. */
  readonly onUnmatchedError?: (error: RpcCallError) => void;
  /** Default per-call timeout in ms; 0 (the default) = none. */
  readonly timeoutMs?: number;
  /** Longest message this client sends; the daemon rejects longer ones anyway. Default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Longest response accepted. Default 64 MiB. */
  readonly maxResponseBytes?: number;
}

export interface RpcClient {
  /** A protocol method, typed by protocol.ts. */
  call<M extends MethodName>(method: M, params: ParamsIn<M>, options?: CallOptions): Promise<Results[M]>;
  /** Any method name, untyped (tests, tools). */
  request(method: string, params?: unknown, options?: CallOptions): Promise<unknown>;
  /** Send a notification (no answer expected). */
  notify(method: string, params?: unknown): void;
  /** Close the connection; pending calls reject. */
  close(): Promise<void>;
  /** Resolves when the connection is gone, for whatever reason. */
  readonly closed: Promise<void>;
}

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export function connect(socketPath: string, options: ClientOptions = {}): Promise<RpcClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const fail = (err: Error): void =>
      reject(
        new UserError(`cannot connect to mcks at ${socketPath}: ${err.message}; is "mcks serve --socket ${socketPath}" running?`, [], {
          cause: err,
        }),
      );
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.off("error", fail);
      resolve(wrap(socket, options));
    });
  });
}

function wrap(socket: Socket, options: ClientOptions): RpcClient {
  const pending = new Map<number, Pending>();
  const maxRequestBytes = options.maxRequestBytes ?? MAX_MESSAGE_BYTES;
  let nextId = 0;
  let closeReason: Error | undefined;

  const handle = (message: unknown): void => {
    if (message === null || typeof message !== "object") return;
    const m = message as Record<string, unknown>;
    if (typeof m.method === "string" && !Object.hasOwn(m, "id")) {
      options.onNotification?.(m.method, m.params);
      return;
    }
    const err = m.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    const callError =
      err && typeof err === "object"
        ? new RpcCallError(typeof err.code === "number" ? err.code : 0, String(err.message), err.data)
        : undefined;
    const entry = typeof m.id === "number" ? pending.get(m.id) : undefined;
    if (entry === undefined) {
      if (callError) options.onUnmatchedError?.(callError);
      return;
    }
    pending.delete(m.id as number);
    if (callError) entry.reject(callError);
    else entry.resolve(m.result);
  };

  const splitter = createLineSplitter({
    maxLineBytes: options.maxResponseBytes ?? 64 * MAX_MESSAGE_BYTES,
    onLine: (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy(new Error("mcks sent a line that is not JSON"));
        return;
      }
      if (Array.isArray(message)) message.forEach(handle);
      else handle(message);
    },
    onOversized: (limit) => socket.destroy(new Error(`mcks sent a message over ${limit} bytes`)),
  });
  socket.on("data", (chunk: Buffer) => splitter.push(chunk));
  socket.on("end", () => splitter.end());
  socket.on("error", (err) => {
    closeReason = err;
  });
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => {
      const why = closeReason ? `: ${closeReason.message}` : "";
      for (const [id, entry] of pending) {
        pending.delete(id);
        entry.reject(new Error(`the connection to mcks closed before it answered ${entry.method}${why}`));
      }
      resolve();
    });
  });

  const request = (method: string, params?: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
    const id = ++nextId;
    const line = JSON.stringify(
      params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params },
    );
    const bytes = Buffer.byteLength(line);
    if (bytes > maxRequestBytes) {
      return Promise.reject(new Error(`${method}: the request is ${bytes} bytes, over the ${maxRequestBytes}-byte limit`));
    }
    if (socket.destroyed || !socket.writable) {
      return Promise.reject(new Error(`${method}: the connection to mcks is closed`));
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs ?? 0;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        pending.delete(id);
        cleanup();
        reject(callOptions.signal?.reason instanceof Error ? callOptions.signal.reason : new Error(`${method}: aborted`));
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        callOptions.signal?.removeEventListener("abort", onAbort);
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          pending.delete(id);
          cleanup();
          reject(new Error(`${method}: no answer from mcks within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      if (callOptions.signal) {
        if (callOptions.signal.aborted) return onAbort();
        callOptions.signal.addEventListener("abort", onAbort, { once: true });
      }
      pending.set(id, {
        method,
        resolve: (value) => {
          cleanup();
          resolve(value);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      });
      socket.write(`${line}\n`);
    });
  };

  return {
    call: <M extends MethodName>(method: M, params: ParamsIn<M>, callOptions?: CallOptions) =>
      request(method, params, callOptions) as Promise<Results[M]>,
    request,
    notify(method, params) {
      const message = params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
      socket.write(`${JSON.stringify(message)}\n`);
    },
    async close() {
      socket.end();
      // A daemon that never closes its side must not keep us waiting.
      const timer = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    },
    closed,
  };
}
