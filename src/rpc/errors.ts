/**
 * JSON-RPC error codes the daemon sends, and the error type handlers may throw to pick one.
 *
 * -32700…-32600 are JSON-RPC 2.0's own. The -32000 range is ours (the spec reserves it for
 * implementation-defined server errors); the hub shows `message` to the user for -32000.
 */
export const ErrorCode = {
  /** The line is not valid JSON. */
  ParseError: -32700,
  /** Valid JSON but not a JSON-RPC 2.0 request, or a message over 1 MiB (`data.limit`). */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  /** `message` names the bad field: `params.user.name: expected a string, got number`. */
  InvalidParams: -32602,
  /** The operation failed for a reason a person can act on; `message` says what and how to fix. */
  Failed: -32000,
  /** A bug in mcks: `message` is generic, the details are only in the daemon's log. */
  Internal: -32001,
  /** The daemon is shutting down and takes no new requests; retry against the next one. */
  ShuttingDown: -32002,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** Thrown by a handler (or the dispatcher) to answer with exactly this code and message. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}
