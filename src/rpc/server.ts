/**
 * The daemon's Unix-socket JSON-RPC server: newline framing (framing.ts), dispatch
 * (dispatch.ts), one AbortSignal per connection, graceful close.
 *
 * Socket permissions without a race: the socket is bound inside a fresh mode-0700 directory
 * next to the wanted path, chmod-ed to `mode`, then renamed into place. Nobody else can reach
 * it before the chmod (the directory is private) and the rename is atomic, so there is no
 * moment where the final path exists with looser permissions. `process.umask()` around
 * `listen()` was the alternative; it is process-wide, so file creation on libuv's thread pool
 * at that moment would be affected too.
 */
import { lstat, mkdtemp, rename, rm, stat, unlink, chmod } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import { dispatchLine } from "./dispatch.ts";
import type { DispatchEnv, MethodTable, RequestContext, RequestId } from "./dispatch.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import { createLineSplitter, MAX_MESSAGE_BYTES } from "./framing.ts";
import { stderrLog } from "./log.ts";
import type { RpcLog } from "./log.ts";
import { bindHandlers } from "./protocol.ts";
import type { Handlers } from "./protocol.ts";

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export interface ListenMethodsOptions {
  readonly socketPath: string;
  /** Permission bits of the socket file. 0o600 (owner only) by default; 0o660 to let the group in. */
  readonly mode?: number;
  readonly methods: MethodTable;
  readonly log?: RpcLog;
  /** Longest accepted message. Default 1 MiB (the contract). */
  readonly maxMessageBytes?: number;
  /** Requests one connection may have running before the daemon stops reading from it. */
  readonly maxInflightPerConnection?: number;
}

export interface ListenOptions extends Omit<ListenMethodsOptions, "methods"> {
  readonly handlers: Handlers;
}

export interface CloseOptions {
  /** How long running requests may take to finish before their connections are cut. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface RpcServer {
  readonly socketPath: string;
  /** Open connections right now. */
  readonly connectionCount: number;
  /** Stop accepting, answer new requests with -32002, let running ones finish, then close. */
  close(options?: CloseOptions): Promise<void>;
}

/** `mcks serve`'s socket: the protocol's methods, params validated by their schemas. */
export function listen(options: ListenOptions): Promise<RpcServer> {
  const { handlers, ...rest } = options;
  return listenMethods({ ...rest, methods: bindHandlers(handlers) });
}

interface Connection {
  readonly socket: Socket;
  readonly controller: AbortController;
  inflight: number;
  readEnded: boolean;
}

/** A server for any method table (tests and tools use their own). */
export async function listenMethods(options: ListenMethodsOptions): Promise<RpcServer> {
  const socketPath = options.socketPath;
  const mode = options.mode ?? 0o600;
  const log = options.log ?? stderrLog;
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const maxInflight = options.maxInflightPerConnection ?? 256;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o007) !== 0) {
    throw new UserError(
      `socket mode ${mode.toString(8)} would let every local user talk to mcks; use 600 (owner) or 660 (owner and group)`,
    );
  }
  await refuseLiveDaemon(socketPath);

  const connections = new Set<Connection>();
  let closing = false;
  let nextConnectionId = 0;
  // allowHalfOpen: a client may send its requests and shut down writing; it still gets answers.
  const server = createServer({ allowHalfOpen: true });
  server.on("error", (err) => log.warn(`socket server error: ${err.message}`));

  const handleConnection = (socket: Socket): void => {
    const connectionId = ++nextConnectionId;
    const conn: Connection = { socket, controller: new AbortController(), inflight: 0, readEnded: false };
    connections.add(conn);
    let waitingForDrain = false;

    let paused = false;
    const updateFlow = (): void => {
      const shouldPause = waitingForDrain || conn.inflight >= maxInflight;
      if (shouldPause === paused || (!shouldPause && conn.readEnded)) return;
      paused = shouldPause;
      if (paused) socket.pause();
      else socket.resume();
    };
    const write = (line: string): boolean => {
      if (socket.destroyed || !socket.writable) return false;
      // A client that sends but never reads must not grow our write buffer without bound.
      if (!socket.write(`${line}\n`) && !waitingForDrain) {
        waitingForDrain = true;
        updateFlow();
        socket.once("drain", () => {
          waitingForDrain = false;
          updateFlow();
        });
      }
      return true;
    };
    const finishIfDone = (): void => {
      if (conn.inflight === 0 && (conn.readEnded || closing) && !socket.destroyed) {
        socket.end(() => socket.destroy());
      }
    };

    const notify = (method: string, params?: unknown): boolean =>
      write(JSON.stringify(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }));
    const env: DispatchEnv = {
      methods: options.methods,
      log,
      closing: () => closing,
      context: (id: RequestId | undefined): RequestContext => ({
        signal: conn.controller.signal,
        id,
        connectionId,
        log,
        notify,
      }),
    };
    // Lines read while at the in-flight limit (at most one read chunk's worth: reading is paused).
    const waiting: string[] = [];
    const settle = (): void => {
      conn.inflight -= 1;
      const next = waiting.shift();
      if (next !== undefined) run(next);
      else {
        updateFlow();
        finishIfDone();
      }
    };
    const accept = (line: string): void => {
      if (conn.inflight >= maxInflight) waiting.push(line);
      else run(line);
    };
    const run = (line: string): void => {
      conn.inflight += 1;
      updateFlow();
      dispatchLine(line, env).then(
        (response) => {
          if (response !== undefined) write(response);
          settle();
        },
        (err: unknown) => {
          log.error(`connection ${connectionId}: dispatch failed`, err);
          settle();
        },
      );
    };
    const splitter = createLineSplitter({
      maxLineBytes: maxMessageBytes,
      onLine: accept,
      onOversized: (limit) => {
        log.warn(`connection ${connectionId}: dropped a message over ${limit} bytes`);
        const err = new RpcError(
          ErrorCode.InvalidRequest,
          `invalid request: message larger than ${limit} bytes; send smaller params (the limit is per line)`,
          { limit },
        );
        write(JSON.stringify({ jsonrpc: "2.0", id: null, error: err.toJSON() }));
      },
    });

    socket.on("data", (chunk: Buffer) => splitter.push(chunk));
    socket.on("end", () => {
      conn.readEnded = true;
      // EOF looks the same whether the peer vanished or only shut down writing, and a vanished
      // hub must not leave starts running for nobody. So EOF cancels (the signal fires), but
      // answers are still written in case the peer is reading: keep the connection open while
      // waiting for answers.
      conn.controller.abort(new Error("the client closed the connection"));
      splitter.end();
      finishIfDone();
    });
    // ECONNRESET/EPIPE from a peer that vanished: 'close' follows and does the cleanup.
    socket.on("error", (err) => log.debug(`connection ${connectionId}: ${err.message}`));
    socket.on("close", () => {
      connections.delete(conn);
      waiting.length = 0; // nobody left to answer
      conn.controller.abort(new Error("the client closed the connection"));
    });
  };
  server.on("connection", handleConnection);

  const ino = await bindPrivately(server, socketPath, mode);
  log.info(`listening on ${socketPath} (mode ${mode.toString(8).padStart(4, "0")})`);

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    get connectionCount() {
      return connections.size;
    },
    close(closeOptions: CloseOptions = {}): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await removeIfOurs(socketPath, ino);
        for (const conn of connections) {
          if (conn.inflight === 0) conn.socket.end(() => conn.socket.destroy());
        }
        const timeoutMs = closeOptions.timeoutMs ?? 10_000;
        const drained = await waitUntil(() => connections.size === 0, timeoutMs);
        if (!drained) {
          log.warn(`closing ${connections.size} connection(s) with requests still running after ${timeoutMs} ms`);
          for (const conn of connections) {
            conn.controller.abort(new Error("mcks is shutting down"));
            conn.socket.destroy();
          }
        }
        await serverClosed;
      })();
      return closed;
    },
  };
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Refuse if a live daemon answers on the path; a stale socket is left for the rename to replace. */
async function refuseLiveDaemon(socketPath: string): Promise<void> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new UserError(
      `socket path ${socketPath} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (the Unix limit); choose a shorter --socket path`,
    );
  }
  let st;
  try {
    st = await lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new UserError(`cannot inspect socket path ${socketPath}: ${(err as Error).message}`);
  }
  if (!st.isSocket()) {
    throw new UserError(`${socketPath} exists and is not a socket; remove it or choose another --socket path`);
  }
  if (await answers(socketPath)) {
    throw new UserError(
      `another process (a running mcks serve?) is listening on ${socketPath}; stop it or choose another --socket path`,
    );
  }
}

/** Connect probe: a refused connection means the socket file is stale. A hang counts as live. */
function answers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, timeoutMs);
    probe.once("connect", () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(!(err.code === "ECONNREFUSED" || err.code === "ENOENT"));
    });
  });
}

/** Bind in a private directory, fix the mode, move into place. Returns the socket's inode. */
async function bindPrivately(server: Server, socketPath: string, mode: number): Promise<number> {
  const dir = dirname(socketPath);
  let tmpDir: string;
  try {
    tmpDir = await mkdtemp(join(dir, ".m"));
  } catch (err) {
    throw new UserError(`cannot create the socket in ${dir}: ${(err as Error).message}; create the directory or choose another --socket path`);
  }
  const tmpPath = join(tmpDir, "s");
  try {
    if (Buffer.byteLength(tmpPath) > MAX_SOCKET_PATH_BYTES) {
      throw new UserError(
        `socket path ${socketPath} is too close to the Unix limit of ${MAX_SOCKET_PATH_BYTES} bytes (mcks binds at ${tmpPath} first); choose a shorter --socket path or a longer file name than ${basename(socketPath)}`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(tmpPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    await chmod(tmpPath, mode);
    await rename(tmpPath, socketPath);
    return (await stat(socketPath)).ino;
  } catch (err) {
    server.close();
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot listen on ${socketPath}: ${(err as Error).message}`);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Unlink the socket file unless someone else's socket replaced it meanwhile. */
async function removeIfOurs(socketPath: string, ino: number): Promise<void> {
  try {
    if ((await lstat(socketPath)).ino === ino) await unlink(socketPath);
  } catch {
    // Already gone: nothing to clean.
  }
}
