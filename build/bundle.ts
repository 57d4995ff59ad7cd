/**
 * Stage 1 of the binary: one CommonJS file from src/main.ts. A Node SEA's main script must be
 * CommonJS and may not `import()` anything (the code cache disables it), so everything, the
 * Kubernetes client included, is bundled in; esbuild wraps ES modules reached only through
 * `import()` in lazy initialisers, which is what keeps that client out of `dry-run`.
 */
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";
import { ROOT } from "./paths.ts";

/**
 * Optional native helpers that dependencies try to `require()` inside try/catch (ws: bufferutil,
 * utf-8-validate; debug: supports-color; node-fetch: encoding). When one is not installed, a SEA
 * could not load it from disk anyway, so it becomes a module that fails the way a missing
 * package does and the dependency takes its pure-JS path, silently.
 */
export const OPTIONAL_DEPENDENCIES = ["bufferutil", "utf-8-validate", "supports-color", "encoding"] as const;

const stubOptionalDependencies: esbuild.Plugin = {
  name: "mcks-stub-optional-dependencies",
  setup(build) {
    const filter = new RegExp(`^(${OPTIONAL_DEPENDENCIES.join("|")})$`);
    build.onResolve({ filter }, async (args) => {
      if ((args.pluginData as { probe?: boolean } | undefined)?.probe) return undefined;
      // Bundle the real package when it is installed; stub it only when it is not.
      const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { probe: true } });
      return real.errors.length === 0 ? real : { path: args.path, namespace: "mcks-missing" };
    });
    build.onLoad({ filter: /.*/, namespace: "mcks-missing" }, (args) => ({
      contents: `const e = new Error("Cannot find module '${args.path}' (not bundled into mcks)"); e.code = "MODULE_NOT_FOUND"; throw e;`,
      loader: "js",
    }));
  },
};

export interface BundleInput {
  /** Entry file relative to the repository; src/main.ts unless an experiment says otherwise. */
  readonly entry?: string;
  readonly outfile: string;
  readonly version: string;
  /** The git commit (build/source.ts), for `mcks --version`. */
  readonly commit: string;
  /** The flattened public declarations, embedded for `mcks types`. */
  readonly declarations: string;
  readonly minify: boolean;
}

export interface BundleResult {
  readonly metafile: esbuild.Metafile;
  readonly bytes: number;
}

export async function bundle(input: BundleInput): Promise<BundleResult> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [input.entry ?? "src/main.ts"],
    outfile: input.outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    // Smaller source = less for V8 to scan at start; names are kept for readable internal errors.
    minify: input.minify,
    keepNames: false,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    // Bundled ES modules may use import.meta.url (e.g. createRequire(import.meta.url)); in the CJS
    // bundle it becomes the running file's URL (the binary itself inside the SEA).
    define: {
      __MCKS_VERSION__: JSON.stringify(input.version),
      __MCKS_COMMIT__: JSON.stringify(input.commit),
      __MCKS_DTS__: JSON.stringify(input.declarations),
      "import.meta.url": "__mcks_import_meta_url",
      "import.meta.main": "false",
    },
    // "use strict" first: esbuild's own directive would come after this banner and stop being one.
    banner: { js: `"use strict";\nvar __mcks_import_meta_url = require("node:url").pathToFileURL(__filename).href;` },
    plugins: [stubOptionalDependencies],
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new Error("esbuild produced no output");
  checkExternals(result.metafile);
  return { metafile: result.metafile, bytes: output.bytes };
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Anything left external that is not a Node builtin would throw inside the SEA at run time. */
function checkExternals(meta: esbuild.Metafile): void {
  const bad: string[] = [];
  for (const [file, input] of Object.entries(meta.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && !BUILTINS.has(imp.path)) bad.push(`${file} -> ${imp.path} (${imp.kind})`);
    }
  }
  if (bad.length > 0) {
    throw new Error(
      `these imports stayed outside the bundle and would fail in the binary:\n  ${bad.join("\n  ")}\n` +
        "bundle them, or add optional ones to OPTIONAL_DEPENDENCIES in build/bundle.ts",
    );
  }
}
