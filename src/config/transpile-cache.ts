/**
 * The on-disk cache of transpiled operator files. What it holds is run as code, so a cache
 * someone else can write to would let them run code as whoever runs mcks (root, often).
 * It is used only when no one but the current user (or root) can change it:
 *   - the cache directory is owned by the current user, and it and every folder above it pass
 *     trusted-files.ts (not writable by others, except sticky folders like /tmp);
 *   - a cache file is opened without following symlinks and used only if it is a regular
 *     file owned by the current user and not writable by group or others;
 *   - new files are created exclusively (O_EXCL, no symlink followed), then renamed into place.
 * An unsafe cache is not used (one warning says why); transpiling still works, only slower.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { currentUid, untrustedReason } from "../trusted-files.ts";

const WRITABLE_BY_OTHERS = 0o022;

let warn = (message: string): void => {
  process.stderr.write(`mcks: warning: ${message}\n`);
};

/** Where the cache's warning goes (`serve` sends it to its log). */
export function setCacheWarningSink(sink: (message: string) => void): void {
  warn = sink;
}

const checked = new Map<string, string | undefined>();

/**
 * The real path of the cache directory when it is safe to use (created 0700 if missing),
 * else undefined after one warning per directory and process.
 */
export function safeCacheDir(dir: string): string | undefined {
  if (checked.has(dir)) return checked.get(dir);
  let real: string | undefined;
  let why: string | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Checked and used by its real path, so a symlink swapped in later changes nothing.
    real = realpathSync(dir);
    why = lstatSync(real).isDirectory() ? untrustedReason(real, "me") : `${real} is not a directory`;
  } catch (err) {
    // Unreadable or not creatable (read-only home): no cache, and nothing worth a warning.
    why = (err as Error).message;
    real = undefined;
  }
  if (why !== undefined && real !== undefined) {
    warn(`not using the transpile cache ${dir}: ${why}. Make it a directory only you can write (chmod 700), point MCKS_CACHE_DIR elsewhere, or set MCKS_CACHE_DIR=off`);
  }
  const result = why === undefined ? real : undefined;
  checked.set(dir, result);
  return result;
}

/** A cache file's text, if it is a regular file of ours that no one else can write. */
export function readCacheFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== currentUid() || st.mode & WRITABLE_BY_OTHERS) return undefined;
    return readFileSync(fd, "utf8");
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Write `code` as `file`: a fresh file of our own (never an existing one, never through a symlink), renamed into place. */
export function writeCacheFile(file: string, code: string): void {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    writeSync(fd, code);
    closeSync(fd);
    fd = undefined;
    // Write then rename, so a concurrent reader never sees half a file.
    renameSync(tmp, file);
  } catch {
    // Full disk, a name taken: the next run transpiles again, nothing else changes.
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
  }
}
