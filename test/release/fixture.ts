/**
 * For the release tests: `ensureRelease()` gives dist/release/ as `npm run release` writes it,
 * running the release first when it is missing or older than its sources (the binary's inputs,
 * hub/ and the commit), so each test file can run alone. A release that fails throws.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newestSourceMtime, ROOT } from "../../build/paths.ts";
import { RELEASE, RELEASE_STAMP, releaseFiles } from "../../build/release.ts";
import { packageVersion, sourceCommit } from "../../build/source.ts";

export interface Release {
  readonly dir: string;
  readonly version: string;
  readonly commit: string;
  /** Absolute paths of the artifacts. */
  readonly files: { readonly [K in keyof ReturnType<typeof releaseFiles>]: string };
}

function newestHubMtime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const e of readdirSync(path)) if (e !== "__pycache__") visit(join(path, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["hub/multicluster_kubespawner", "hub/pyproject.toml", "hub/MANIFEST.in", "hub/README.md"]) visit(join(ROOT, p));
  return newest;
}

function stale(version: string, commit: string): boolean {
  if (!existsSync(RELEASE_STAMP)) return true;
  const stamp = JSON.parse(readFileSync(RELEASE_STAMP, "utf8")) as { version?: string; commit?: string };
  if (stamp.version !== version || stamp.commit !== commit) return true;
  const sums = statSync(join(RELEASE, "SHA256SUMS"), { throwIfNoEntry: false });
  return !sums || sums.mtimeMs < Math.max(newestSourceMtime(), newestHubMtime());
}

export function ensureRelease(): Release {
  const version = packageVersion();
  const commit = sourceCommit();
  if (stale(version, commit)) {
    const r = spawnSync(process.execPath, [join(ROOT, "build/release.ts")], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) throw new Error(`npm run release failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  const names = releaseFiles(version);
  const files = Object.fromEntries(Object.entries(names).map(([k, f]) => [k, join(RELEASE, f)])) as Release["files"];
  for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`the release has no ${f}`);
  return { dir: RELEASE, version, commit, files };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a setup script of test/setup/ (idempotent installers); a failure fails the caller loudly. */
export function setup(script: string): void {
  const r = spawnSync("bash", [join(ROOT, "test/setup", script)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 900_000 });
  if (r.status !== 0) throw new Error(`test/setup/${script} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

export const DEPLOY_DOC = join(ROOT, "docs/deploy.md");

/**
 * The fenced code block of docs/deploy.md whose first line is `firstLine` (the recipe a test
 * checks), without the indent of a block inside a list item.
 */
export function docBlock(firstLine: string): string {
  const text = readFileSync(DEPLOY_DOC, "utf8");
  for (const m of text.matchAll(/^( *)```[a-z]*\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1] ?? "";
    const body = (m[2] ?? "").replace(new RegExp(`^${indent}`, "gm"), "");
    if (body.split("\n")[0] === firstLine) return body;
  }
  throw new Error(`docs/deploy.md has no code block starting with ${JSON.stringify(firstLine)}`);
}
