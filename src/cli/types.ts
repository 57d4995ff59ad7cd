/**
 * `mcks types [--out FILE]`: writes the public API's `.d.ts`, so an operator who only has the
 * binary still gets editor type-checking for `import { defineConfig } from "multicluster-kubespawner"`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { command, option, optional, string } from "cmd-ts";
import { UserError } from "../errors.ts";

/** Set by build/build.ts (esbuild `define`) to the flattened declarations; absent when run from source. */
declare const __MCKS_DTS__: string | undefined;

const HINT = `To type-check config.ts in an editor, save this file as
  node_modules/multicluster-kubespawner/index.d.ts   (next to config.ts)
or keep it anywhere and map the name in tsconfig.json:
  "compilerOptions": { "paths": { "multicluster-kubespawner": ["./mcks.d.ts"] } }`;

async function declarations(): Promise<string> {
  if (typeof __MCKS_DTS__ === "string") return __MCKS_DTS__;
  // From source there is no embedded copy: run tsc the way the build does (about a second).
  // The specifier is a variable so the bundler never follows it into the build tooling.
  const generator = "../../build/declarations.ts";
  const mod = (await import(generator)) as { generateDeclarations: () => string };
  return mod.generateDeclarations();
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
    const path = resolve(out);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UserError(`cannot write the declarations to ${path}: ${reason}; choose a writable --out path`);
    }
    process.stderr.write(`wrote ${path}\n${HINT}\n`);
  },
});
