/**
 * JSON-RPC 2.0 dispatch of one received line: parse, validate the envelope, find the method,
 * run it, map its outcome to a response. Transport-free (server.ts owns sockets), so every
 * error path is a plain function call.
 *
 * Hand-written rather than json-rpc-2.0's JSONRPCServer: the per-connection context (notify,
 * AbortSignal), our error mapping and batches are each a few lines here, while the package
 * needs a wrapper for each; bench/rpc.ts compares both on the same framing.
 */
import { randomBytes } from "node:crypto";
import { publicMessageOf, UserError } from "../errors.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import type { RpcLog } from "./log.ts";

export type RequestId = string | number | null;

/** What a handler gets besides its params. */
export interface RequestContext {
  /** Fires when the requesting connection closes (or the daemon stops): stop work, clean up. */
  readonly signal: AbortSignal;
  /** The request's id; `undefined` for a notification (nobody waits for the answer). */
  readonly id: RequestId | undefined;
  /** Numbers connections in the order accepted, for log lines. */
  readonly connectionId: number;
  /** Send a notification on the same connection. False if the connection is already gone. */
  notify(method: string, params?: unknown): boolean;
  readonly log: RpcLog;
}

export type MethodHandler = (params: unknown, ctx: RequestContext) => unknown;
export type MethodTable = ReadonlyMap<string, MethodHandler>;

export interface DispatchEnv {
  readonly methods: MethodTable;
  readonly log: RpcLog;
  /** Makes the context of one request. */
  context(id: RequestId | undefined): RequestContext;
  /** True once the daemon stops taking new requests. */
  closing(): boolean;
}

const JSONRPC = "2.0";

function errorJson(id: RequestId, error: RpcError): string {
  return JSON.stringify({ jsonrpc: JSONRPC, id, error: error.toJSON() });
}

/** A received line, parsed: an answer due at once (bad JSON, empty or oversized batch), or messages to run. */
export type ParsedLine =
  | { readonly kind: "answer"; readonly response: string }
  | { readonly kind: "messages"; readonly messages: readonly unknown[]; readonly batch: boolean };

/**
 * Parse one line. A batch counts as its members against a connection's in-flight cap, so one
 * larger than `maxBatch` (that cap) could never run and is refused whole.
 */
export function parseLine(line: string, maxBatch = Number.POSITIVE_INFINITY): ParsedLine {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { kind: "answer", response: errorJson(null, new RpcError(ErrorCode.ParseError, `parse error: the line is not valid JSON (${why})`)) };
  }
  if (!Array.isArray(message)) return { kind: "messages", messages: [message], batch: false };
  if (message.length === 0) return { kind: "answer", response: errorJson(null, new RpcError(ErrorCode.InvalidRequest, "invalid request: empty batch")) };
  if (message.length > maxBatch) {
    const err = new RpcError(
      ErrorCode.InvalidRequest,
      `invalid request: a batch of ${message.length} requests; at most ${maxBatch} run at once per connection, so send smaller batches`,
      { limit: maxBatch },
    );
    return { kind: "answer", response: errorJson(null, err) };
  }
  return { kind: "messages", messages: message, batch: true };
}

/** How many requests a parsed line runs (what it counts against the in-flight cap). */
export function weightOf(parsed: ParsedLine): number {
  return parsed.kind === "messages" ? parsed.messages.length : 1;
}

/** The response line (without `\n`) for a parsed line, or undefined when none is due. */
export async function dispatchParsed(parsed: ParsedLine, env: DispatchEnv): Promise<string | undefined> {
  if (parsed.kind === "answer") return parsed.response;
  if (!parsed.batch) return dispatchMessage(parsed.messages[0], env);
  const answers = await Promise.all(parsed.messages.map((m: unknown) => dispatchMessage(m, env)));
  const present = answers.filter((a): a is string => a !== undefined);
  return present.length === 0 ? undefined : `[${present.join(",")}]`;
}

/** The response line (without `\n`) for one received line, or undefined when none is due. */
export function dispatchLine(line: string, env: DispatchEnv): Promise<string | undefined> {
  return dispatchParsed(parseLine(line), env);
}

function isValidId(id: unknown): id is RequestId {
  return typeof id === "string" || id === null || (typeof id === "number" && Number.isFinite(id));
}

function invalid(id: RequestId, message: string): string {
  return errorJson(id, new RpcError(ErrorCode.InvalidRequest, `invalid request: ${message}`));
}

/** One request or notification (an element of a batch, or a whole line). */
export async function dispatchMessage(message: unknown, env: DispatchEnv): Promise<string | undefined> {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    return invalid(null, "expected a JSON object with jsonrpc, method and id");
  }
  const m = message as Record<string, unknown>;
  const isNotification = !Object.hasOwn(m, "id");
  if (!isNotification && !isValidId(m.id)) return invalid(null, "id: expected a string or a number");
  const id: RequestId = isNotification ? null : (m.id as RequestId);
  if (m.jsonrpc !== JSONRPC) return invalid(id, 'jsonrpc: expected "2.0"');
  if (typeof m.method !== "string") return invalid(id, "method: expected a string");
  const params = m.params;
  if (params !== undefined && (params === null || typeof params !== "object")) {
    return invalid(id, "params: expected an object");
  }
  const method = m.method;

  if (env.closing()) {
    if (isNotification) return undefined;
    return errorJson(id, new RpcError(ErrorCode.ShuttingDown, "mcks is shutting down; retry in a moment"));
  }
  const handler = env.methods.get(method);
  if (handler === undefined) {
    if (isNotification) {
      env.log.debug(`ignored notification for unknown method ${JSON.stringify(method)}`);
      return undefined;
    }
    const known = [...env.methods.keys()].join(", ");
    const err = new RpcError(ErrorCode.MethodNotFound, `unknown method ${JSON.stringify(method)}; known methods: ${known}`);
    return errorJson(id, err);
  }

  const ctx = env.context(isNotification ? undefined : id);
  let result: unknown;
  try {
    result = await handler(params, ctx);
  } catch (err) {
    const rpcErr = toRpcError(err, method, env.log);
    if (isNotification) return undefined;
    return errorJson(id, rpcErr);
  }
  if (isNotification) return undefined;
  try {
    return JSON.stringify({ jsonrpc: JSONRPC, id, result: result === undefined ? null : result });
  } catch (err) {
    return errorJson(id, toRpcError(err, method, env.log));
  }
}

/** A reference the hub user can quote and the operator can find in the daemon's log. */
function newReference(): string {
  return `mcks-${randomBytes(4).toString("hex")}`;
}

/**
 * Handler failure → what the client sees. Only UserError/RpcError text leaves the daemon, and
 * of a confidential failure (errors.ts ConfidentialError) only its public message: the whole
 * message is logged under a reference the answer carries.
 */
export function toRpcError(err: unknown, method: string, log: RpcLog): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof UserError) {
    const publicMessage = publicMessageOf(err);
    if (publicMessage !== undefined) {
      const reference = newReference();
      log.warn(`${method} failed (reference ${reference}): ${[err.message, ...err.details].join("; ")}`);
      return new RpcError(ErrorCode.Failed, `${publicMessage} (reference ${reference})`, { reference });
    }
    const data = err.details.length > 0 ? { details: err.details } : undefined;
    return new RpcError(ErrorCode.Failed, err.message, data);
  }
  const reference = newReference();
  log.error(`internal error in ${method} (reference ${reference})`, err);
  return new RpcError(ErrorCode.Internal, `internal error in mcks while handling ${method} (daemon log reference ${reference})`, { reference });
}
