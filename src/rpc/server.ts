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
import { chmod, lstat, mkdir, mkdtemp, rename, rm, stat, unlink } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import { dispatchParsed, parseLine, weightOf } from "./dispatch.ts";
import type { ParsedLine } from "./dispatch.ts";
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
  /** Requests one connection may have running (batch members count one each) before the daemon stops reading from it. Default 256. */
  readonly maxInflightPerConnection?: number;
  /** Open connections; further ones get an error line and are closed. Default 1024. */
  readonly maxConnections?: number;
  /** Bytes of unfinished lines held across all connections; the connection that goes over is closed. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  /** How long a started line may take to reach its newline. Default 30 s. */
  readonly lineTimeoutMs?: number;
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
  const maxConnections = options.maxConnections ?? 1024;
  const maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const lineTimeoutMs = options.lineTimeoutMs ?? 30_000;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o007) !== 0) {
    throw new UserError(
      `socket mode ${mode.toString(8)} would let every local user talk to mcks; use 600 (owner) or 660 (owner and group)`,
    );
  }
  await refuseLiveDaemon(socketPath);

  const connections = new Set<Connection>();
  let closing = false;
  let nextConnectionId = 0;
  // Bytes of unfinished lines over all connections (each splitter holds its own).
  let bufferedTotal = 0;
  let refusedSinceLastLog = 0;
  // allowHalfOpen: a client may send its requests and shut down writing; it still gets answers.
  const server = createServer({ allowHalfOpen: true });
  server.on("error", (err) => log.warn(`socket server error: ${err.message}`));

  /** Answer one error line the peer can read, then close the connection. */
  const refuse = (socket: Socket, error: RpcError): void => {
    socket.on("error", () => {});
    socket.end(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: error.toJSON() })}\n`);
    // A peer that never reads must not keep the socket: close it shortly whatever it does.
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  const handleConnection = (socket: Socket): void => {
    if (connections.size >= maxConnections) {
      // Logged once per burst of refusals, not once per connection.
      if (refusedSinceLastLog++ === 0) log.warn(`refusing connections: ${connections.size} are open (the limit is ${maxConnections})`);
      refuse(socket, new RpcError(ErrorCode.Failed, `mcks is busy: ${maxConnections} connections are open, the most it takes; retry in a moment`, { limit: maxConnections }));
      return;
    }
    if (refusedSinceLastLog > 0) {
      log.warn(`refused ${refusedSinceLastLog} connection(s) while at the limit of ${maxConnections}`);
      refusedSinceLastLog = 0;
    }
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
    // Bytes of an unfinished line this connection holds (counted in bufferedTotal).
    let held = 0;
    // Lines read while at the in-flight limit (at most one read chunk's worth: reading is paused).
    const waiting: ParsedLine[] = [];
    const settle = (weight: number): void => {
      conn.inflight -= weight;
      while (waiting.length > 0 && conn.inflight + weightOf(waiting[0]!) <= maxInflight) run(waiting.shift()!);
      updateFlow();
      finishIfDone();
    };
    const accept = (line: string): void => {
      const parsed = parseLine(line, maxInflight);
      // Lines answered without running anything (bad JSON, a refused batch) need no slot.
      if (parsed.kind === "answer") write(parsed.response);
      else if (waiting.length > 0 || conn.inflight + weightOf(parsed) > maxInflight) waiting.push(parsed);
      else run(parsed);
    };
    const run = (parsed: ParsedLine): void => {
      const weight = weightOf(parsed);
      conn.inflight += weight;
      updateFlow();
      dispatchParsed(parsed, env).then(
        (response) => {
          if (response !== undefined) write(response);
          settle(weight);
        },
        (err: unknown) => {
          log.error(`connection ${connectionId}: dispatch failed`, err);
          settle(weight);
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

    // An unfinished line holds memory and a connection slot: it gets lineTimeoutMs to reach its
    // newline, counted from its first byte, not renewed by a trickle of bytes. Time spent paused
    // by our own back-pressure does not count.
    let lineTimer: NodeJS.Timeout | undefined;
    const onLineTimeout = (): void => {
      lineTimer = undefined;
      if (paused) {
        lineTimer = setTimeout(onLineTimeout, lineTimeoutMs);
        return;
      }
      log.warn(`connection ${connectionId}: closed, no complete line within ${lineTimeoutMs / 1000} s`);
      dropBuffered();
      conn.controller.abort(new Error("the connection sent no complete line in time"));
      refuse(socket, new RpcError(ErrorCode.InvalidRequest, `invalid request: no complete line within ${lineTimeoutMs / 1000} s; end each message with \\n`));
    };
    const watchLine = (): void => {
      if (splitter.bufferedBytes === 0 && lineTimer !== undefined) {
        clearTimeout(lineTimer);
        lineTimer = undefined;
      } else if (splitter.bufferedBytes > 0 && lineTimer === undefined) {
        lineTimer = setTimeout(onLineTimeout, lineTimeoutMs);
      }
    };
    const dropBuffered = (): void => {
      bufferedTotal -= held;
      held = 0;
    };

    socket.on("data", (chunk: Buffer) => {
      splitter.push(chunk);
      bufferedTotal += splitter.bufferedBytes - held;
      held = splitter.bufferedBytes;
      if (bufferedTotal > maxBufferedBytes) {
        log.warn(`connection ${connectionId}: closed, unfinished lines of all connections hold over ${maxBufferedBytes} bytes`);
        dropBuffered();
        if (lineTimer !== undefined) clearTimeout(lineTimer);
        lineTimer = undefined;
        conn.controller.abort(new Error("too many unfinished bytes"));
        socket.pause();
        refuse(socket, new RpcError(ErrorCode.Failed, "mcks is holding too many unfinished messages; finish each line with \\n and retry", { limit: maxBufferedBytes }));
        return;
      }
      watchLine();
    });
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
      dropBuffered();
      if (lineTimer !== undefined) clearTimeout(lineTimer);
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
    // A missing last folder is made, only writable by us: the hub refuses a socket in a folder
    // everyone may write (a pod's emptyDir is 0777), so `--socket /run/mcks/sock/mcks.sock` works there.
    const made = await mkdir(dir, { mode: 0o755 }).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
        return false;
      },
    );
    if (made) await chmod(dir, 0o755); // whatever the umask: a hub in the socket's group must reach it
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
