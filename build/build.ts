/**
 * `npm run build` → dist/mcks, one file that runs beside a hub with nothing else installed:
 *   1. the public API's .d.ts (for `mcks types`), generated with tsc;
 *   2. esbuild bundle of src/main.ts (CommonJS, Node 24) with that text and the version baked in;
 *   3. Node SEA blob with code cache, injected into Node 24 from npm (see sea.ts).
 * Steps 3's blob + injection (the slow part) are skipped when the bundle did not change.
 * `--snapshot` builds from build/snapshot-main.ts into a V8 startup snapshot instead (opt-in).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bundle } from "./bundle.ts";
import { generateDeclarations } from "./declarations.ts";
import { eagerChainToLazyPackage } from "./lazy-check.ts";
import { BASE_NODE, BINARY, DIST, ROOT } from "./paths.ts";
import { buildSea } from "./sea.ts";
import { packageVersion, sourceCommit } from "./source.ts";

const WORK = join(DIST, ".sea");
const BUNDLE = join(WORK, "main.cjs");
const STAMP = join(WORK, "inputs.sha256");

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const SNAPSHOT = process.argv.includes("--snapshot");
const ENTRY = SNAPSHOT ? "build/snapshot-main.ts" : "src/main.ts";

async function main(): Promise<void> {
  const started = performance.now();
  const step = (label: string, t0: number): void =>
    console.log(`  ${label.padEnd(28)} ${Math.round(performance.now() - t0)} ms`);
  mkdirSync(WORK, { recursive: true });
  const version = packageVersion();
  const commit = sourceCommit();

  let t = performance.now();
  const declarations = generateDeclarations();
  writeFileSync(join(DIST, "index.d.ts"), declarations);
  step("declarations (tsc)", t);

  t = performance.now();
  const { metafile, bytes } = await bundle({ entry: ENTRY, outfile: BUNDLE, version, commit, declarations, minify: true });
  step(`bundle (esbuild, ${mb(bytes)})`, t);
  writeFileSync(join(WORK, "meta.json"), JSON.stringify(metafile));

  const chain = eagerChainToLazyPackage(metafile, ENTRY);
  if (chain) {
    // A warning, not a failure: the binary still works, it just starts slower for every
    // command. test/unit/build-lazy-kube.test.ts fails on it.
    console.warn(`WARNING: a package meant for serve only is loaded eagerly (use import() in the command handler):\n  ${chain.join("\n  -> ")}`);
  }

  // The binary depends on the bundle and the base Node only; unchanged inputs mean an unchanged binary.
  const base = statSync(BASE_NODE);
  const stamp = createHash("sha256")
    .update(readFileSync(BUNDLE))
    .update(`${base.size}:${base.mtimeMs}`)
    .update(readFileSync(join(ROOT, "build", "sea.ts")))
    .update(SNAPSHOT ? "snapshot" : "code-cache")
    .digest("hex");
  const previous = statSync(BINARY, { throwIfNoEntry: false }) ? readIfExists(STAMP) : undefined;
  let size: number;
  if (previous === stamp) {
    const now = new Date();
    utimesSync(BINARY, now, now); // mark it fresh for the tests' staleness check
    size = statSync(BINARY).size;
    console.log("  SEA blob + inject             skipped (bundle unchanged)");
  } else {
    t = performance.now();
    size = await buildSea({ main: BUNDLE, workDir: WORK, output: BINARY, snapshot: SNAPSHOT });
    writeFileSync(STAMP, stamp);
    step("SEA blob + inject (postject)", t);
  }
  console.log(`${relative(ROOT, BINARY)} ${version} (commit ${commit}): ${mb(size)} (${size} bytes, ${SNAPSHOT ? "startup snapshot" : "code cache"}), built in ${Math.round(performance.now() - started)} ms`);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
