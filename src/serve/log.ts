import type { HookLog } from "../config/types.ts";

/**
 * The daemon's log: one line per event on stderr, `mcks serve: <time> <level> <message>`.
 * Messages are built by callers from names, keys and Kubernetes reasons only; the hub's
 * environment (which holds its API token) is never passed to the log.
 */
export interface ServeLog extends HookLog {
  error(message: string): void;
  /** A log whose lines start with `[prefix]`. */
  child(prefix: string): ServeLog;
}

export function stderrServeLog(write: (line: string) => void = (l) => process.stderr.write(l), prefix = ""): ServeLog {
  const line = (level: string, message: string) =>
    write(`mcks serve: ${new Date().toISOString()} ${level} ${prefix}${message}\n`);
  return {
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m) => line("error", m),
    child: (p) => stderrServeLog(write, `${prefix}[${p}] `),
  };
}
