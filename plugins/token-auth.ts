/**
 * An auth plugin: supplies a bearer token for one cluster from a file (re-read when it
 * changes, as projected service-account tokens rotate) or from a command (printing either
 * the bare token or a client.authentication.k8s.io ExecCredential as JSON, so the same
 * helper that kubectl uses works).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { definePlugin, type Plugin } from "multicluster-kubespawner";

export interface TokenAuthOptions {
  /** The mcks cluster name (a key of `clusters`) this plugin authenticates. */
  cluster: string;
  tokenFile?: string;
  /** argv of a command that prints the token. */
  command?: readonly string[];
  /** How long a token is trusted when the source does not say. Default 300 s. */
  ttlSeconds?: number;
}

function run(argv: readonly string[], signal: AbortSignal): Promise<string> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error("token-auth: `command` is empty"));
  return new Promise((resolve, reject) => {
    execFile(file, args, { signal, timeout: 30_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`token-auth: ${argv.join(" ")} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** A bare token, or an ExecCredential's status.token (with its expiry). */
export function parseToken(text: string): { token: string; expiresAt?: Date } {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const cred = JSON.parse(trimmed) as { status?: { token?: string; expirationTimestamp?: string } };
    const token = cred.status?.token;
    if (!token) throw new Error("token-auth: the command printed JSON without status.token");
    const exp = cred.status?.expirationTimestamp;
    return exp ? { token, expiresAt: new Date(exp) } : { token };
  }
  if (trimmed === "" || /\s/.test(trimmed)) throw new Error("token-auth: expected one token, got empty or multi-word output");
  return { token: trimmed };
}

export function tokenAuth(opts: TokenAuthOptions): Plugin {
  if (!opts.tokenFile === !opts.command) throw new Error("token-auth: give exactly one of tokenFile or command");
  const ttlMs = (opts.ttlSeconds ?? 300) * 1000;
  return definePlugin({
    name: "token-auth",
    async auth(ctx) {
      if (ctx.cluster.name !== opts.cluster) return null;
      const text = opts.tokenFile ? await readFile(opts.tokenFile, "utf8") : await run(opts.command ?? [], ctx.signal);
      const parsed = parseToken(text);
      return { token: parsed.token, expiresAt: parsed.expiresAt ?? new Date(Date.now() + ttlMs) };
    },
  });
}
