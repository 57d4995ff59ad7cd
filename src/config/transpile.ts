/**
 * TypeScript → CommonJS for operator files, with sucrase (line numbers kept). The output is
 * cached on disk by content hash: sucrase's first run in a fresh process costs ~40 ms of
 * JIT warm-up for a 400-line config, a cache hit well under 1 ms, and `mcks dry-run` is
 * usually run again and again on the same files. The cache is best effort: any failure
 * to read or write it just means transpiling. Its code runs, so transpile-cache.ts uses it
 * only when nobody else can write to it.
 *
 * Location: $MCKS_CACHE_DIR, else $XDG_CACHE_HOME/mcks/transpile, else ~/.cache/mcks/transpile;
 * `MCKS_CACHE_DIR=off` (or no HOME) disables it.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { getVersion, transform } from "sucrase";
import type { Options } from "sucrase";
import { UserError } from "../errors.ts";
import type { SourceFile } from "./source-index.ts";
import { readCacheFile, safeCacheDir, writeCacheFile } from "./transpile-cache.ts";

const OPTIONS = {
  transforms: ["typescript", "imports"],
  // Node 24 runs modern syntax as is; only types and ESM syntax need rewriting.
  disableESTransforms: true,
} satisfies Options;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MCKS_CACHE_DIR) return env.MCKS_CACHE_DIR === "off" ? undefined : env.MCKS_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "mcks", "transpile");
  if (env.HOME) return join(env.HOME, ".cache", "mcks", "transpile");
  return undefined;
}

/** The cache file for `text`; the key covers everything the output depends on. */
export function cacheFile(dir: string, text: string): string {
  const key = createHash("sha256").update(`${getVersion()}\0${JSON.stringify(OPTIONS)}\0${text}`).digest("hex");
  return join(dir, `${key.slice(0, 40)}.js`);
}

/** CommonJS for `file`; a syntax error becomes a UserError `file:line:col: message`. */
export function transpile(file: SourceFile): string {
  const wanted = cacheDir();
  const dir = wanted === undefined ? undefined : safeCacheDir(wanted);
  const cached = dir === undefined ? undefined : cacheFile(dir, file.text);
  const hit = cached === undefined ? undefined : readCacheFile(cached);
  if (hit !== undefined) return hit;
  let code: string;
  try {
    code = transform(file.text, { ...OPTIONS, filePath: file.path }).code;
  } catch (err) {
    const e = err as { message?: string; loc?: { line: number; column: number } };
    const msg = (e.message ?? String(err)).replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
    const where = e.loc ? `${file.display}:${e.loc.line}:${e.loc.column}` : file.display;
    throw new UserError(`syntax error`, [`${where}: ${msg}`]);
  }
  if (cached !== undefined) writeCacheFile(cached, code);
  return code;
}
