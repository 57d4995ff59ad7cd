/**
 * `mcks types [--out FILE]`: writes the public API's `.d.ts`, so an operator who only has the
 * binary still gets editor type-checking for `import { defineConfig } from "multicluster-kubespawner"`.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { command, option, optional, string } from "cmd-ts";
import { UserError } from "../errors.ts";

/** Set by build/build.ts (esbuild `define`) to the flattened declarations; absent when run from source. */
declare const __MCKS_DTS__: string | undefined;

const HINT = `To type-check config.ts in an editor, run
  mcks types --out node_modules/multicluster-kubespawner/index.d.ts   (next to config.ts)
or write it anywhere (mcks types --out mcks.d.ts) and map the name in tsconfig.json:
  "compilerOptions": { "paths": { "multicluster-kubespawner": ["./mcks.d.ts"] } }`;

async function declarations(): Promise<string> {
  if (typeof __MCKS_DTS__ === "string") return __MCKS_DTS__;
  // From source there is no embedded copy: run tsc the way the build does (about a second).
  // The specifier is a variable so the bundler never follows it into the build tooling.
  const generator = "../../build/declarations.ts";
  const mod = (await import(generator)) as { generateDeclarations: () => string };
  return mod.generateDeclarations();
}

/**
 * Writes the declarations to `path`. When that is `…/node_modules/multicluster-kubespawner/index.d.ts`
 * it also writes the package's package.json (unless one exists), because ES-module resolution
 * (`"type": "module"` projects) only finds a package's index.d.ts through its package.json.
 * Returns the files written.
 */
export function writeDeclarations(path: string, text: string): string[] {
  const dir = dirname(path);
  const written = [path];
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
    const pkg = join(dir, "package.json");
    if (basename(dir) === "multicluster-kubespawner" && basename(dirname(dir)) === "node_modules" && !existsSync(pkg)) {
      writeFileSync(pkg, `${JSON.stringify({ name: "multicluster-kubespawner", types: `./${basename(path)}` }, null, 2)}\n`);
      written.push(pkg);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot write the declarations to ${path}: ${reason}; choose a writable --out path`);
  }
  return written;
}

export const typesCommand = command({
  name: "types",
  description: "Print (or write with --out) the TypeScript declarations of config.ts's API",
  args: {
    out: option({
      type: optional(string),
      long: "out",
      short: "o",
      description: "File to write, e.g. node_modules/multicluster-kubespawner/index.d.ts (default: stdout)",
    }),
  },
  handler: async ({ out }) => {
    const text = await declarations();
    if (out === undefined) {
      process.stdout.write(text);
      process.stderr.write(`${HINT}\n`);
      return;
    }
    const written = writeDeclarations(resolve(out), text);
    process.stderr.write(`wrote ${written.join(", ")}\n${HINT}\n`);
  },
});
