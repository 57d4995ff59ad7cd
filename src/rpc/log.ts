/** Where the RPC layer reports what the client must not see (internal errors, misbehaving peers). */
export interface RpcLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

/** One line per event on stderr; the stack only for internal errors, never sent to clients. */
export const stderrLog: RpcLog = {
  debug(message) {
    if (process.env.MCKS_DEBUG) process.stderr.write(`mcks rpc debug: ${message}\n`);
  },
  info(message) {
    process.stderr.write(`mcks rpc: ${message}\n`);
  },
  warn(message) {
    process.stderr.write(`mcks rpc warning: ${message}\n`);
  },
  error(message, err) {
    const detail = err instanceof Error ? `\n${err.stack ?? err.message}` : err === undefined ? "" : `\n${String(err)}`;
    process.stderr.write(`mcks rpc error: ${message}${detail}\n`);
  },
};

/** Drops everything; for tests and benchmarks that assert on behaviour, not on logs. */
export const silentLog: RpcLog = { debug() {}, info() {}, warn() {}, error() {} };
