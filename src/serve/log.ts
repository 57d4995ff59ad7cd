import type { HookLog } from "../config/types.ts";

/**
 * The daemon's log on stderr, one line per event, in one of two formats:
 *   text  `mcks serve: <time> <level> [<scope>] <message> user=… server=… cluster=… key=… request=…`
 *   json  `{"time":…,"level":…,"msg":…,"user":…,"server":…,"cluster":…,"key":…,"request":…}`
 * Names come from the hub (a user name may hold a newline, quotes, terminal escapes): in text,
 * every message and field is escaped so that one event is always one line and cannot pass for
 * another; in JSON the encoder does that. Messages are built by callers from names, keys and
 * Kubernetes reasons only; the hub's environment (which holds its API token) never reaches
 * the log.
 */
export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** What an event is about; every JSON line has each of these keys (null when unknown). */
export interface LogFields {
  readonly user?: string | undefined;
  readonly server?: string | undefined;
  readonly cluster?: string | undefined;
  readonly key?: string | undefined;
  /** `<connection>/<JSON-RPC id>` of the hub call the event belongs to. */
  readonly request?: string | undefined;
}
const FIELD_NAMES = ["user", "server", "cluster", "key", "request"] as const;

export interface ServeLog extends HookLog {
  /** `err`'s stack goes to the log (never to the hub). */
  error(message: string, err?: unknown): void;
  /** A log whose messages start with `[scope]`. */
  child(scope: string): ServeLog;
  /** A log whose events carry these fields (merged over the current ones). */
  with(fields: LogFields): ServeLog;
}

// Control characters (C0, DEL, C1), line/paragraph separators and bidirectional overrides,
// which could end a line or make a terminal show something else than what was logged.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

/** `s` as one visible line: unsafe characters become `\n`, `\u001b`…, a backslash `\\`. */
export function escapeForLog(s: string): string {
  return s.replace(UNSAFE, (c) => {
    if (c === "\\") return "\\\\";
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A field value in text lines: bare when plain, else quoted and escaped. */
function textValue(v: string): string {
  return /^[\w.@:/-]+$/.test(v) ? v : `"${escapeForLog(v).replaceAll('"', '\\"')}"`;
}

function stackOf(err: unknown): string | undefined {
  if (err instanceof Error) return err.stack ?? err.message;
  return err === undefined ? undefined : String(err);
}

export interface ServeLogOptions {
  readonly format?: LogFormat;
  readonly write?: (line: string) => void;
}

export function createServeLog(options: ServeLogOptions = {}, scope = "", fields: LogFields = {}): ServeLog {
  const format = options.format ?? "text";
  const write = options.write ?? ((l: string) => process.stderr.write(l));
  const line = (level: string, message: string, err?: unknown): void => {
    const msg = `${scope}${message}`;
    const stack = stackOf(err);
    if (format === "json") {
      const event: Record<string, string | null> = { time: new Date().toISOString(), level, msg };
      for (const f of FIELD_NAMES) event[f] = fields[f] ?? null;
      if (stack !== undefined) event.stack = stack;
      write(`${JSON.stringify(event)}\n`);
      return;
    }
    const tail = FIELD_NAMES.filter((f) => fields[f] !== undefined).map((f) => ` ${f}=${textValue(fields[f]!)}`).join("");
    const trace = stack === undefined ? "" : ` stack="${escapeForLog(stack).replaceAll('"', '\\"')}"`;
    write(`mcks serve: ${new Date().toISOString()} ${level} ${escapeForLog(msg)}${tail}${trace}\n`);
  };
  return {
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m, err) => line("error", m, err),
    child: (s) => createServeLog(options, `${scope}[${s}] `, fields),
    with: (f) => createServeLog(options, scope, { ...fields, ...f }),
  };
}

/** The text log on stderr (or `write`). */
export function stderrServeLog(write?: (line: string) => void): ServeLog {
  return createServeLog({ format: "text", write });
}
