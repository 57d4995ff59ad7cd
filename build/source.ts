/**
 * What a build says about its sources: the version (package.json, the one definition; the hub's
 * pyproject.toml must agree) and the git commit, baked into the binary for `mcks --version`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./paths.ts";

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export const HUB_VERSION_FILE = "hub/multicluster_kubespawner/__init__.py";

/** The hub package's `__version__` (hub/pyproject.toml takes its version from there). */
export function hubVersion(): string {
  const version = /^__version__\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, HUB_VERSION_FILE), "utf8"))?.[1];
  if (!version) throw new Error(`${HUB_VERSION_FILE} has no __version__ = "…" line`);
  return version;
}

/**
 * The commit HEAD points at, as 12 hex digits, with `-dirty` when tracked files differ from it
 * (the binary then holds code no commit has). `unknown` outside a git checkout (a source archive).
 */
export function sourceCommit(): string {
  const git = (...args: string[]): string =>
    execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  let head: string;
  try {
    head = git("rev-parse", "--short=12", "HEAD");
  } catch {
    return "unknown";
  }
  // `git status` rather than `git diff --quiet`: it refreshes the index first, so a file that was
  // only touched (same content, new mtime) does not count as a change.
  const changed = git("status", "--porcelain", "--untracked-files=no") !== "";
  return changed ? `${head}-dirty` : head;
}
