/**
 * The Kubernetes client costs ~185 ms to load, so commands that never talk to a cluster
 * (`dry-run`, `validate`, `types`, `--version`) must not load it: it may only be reached through
 * `import()`. This walks the bundle's import graph from the entry over static edges only and
 * returns the import chain to the client if one exists.
 */
import type { Metafile } from "esbuild";

const HEAVY = "node_modules/@kubernetes/client-node/";

/** Returns e.g. ["src/main.ts", "src/cli/serve.ts", "node_modules/@kubernetes/client-node/dist/index.js"], or undefined. */
export function eagerChainToKubeClient(meta: Metafile, entry = "src/main.ts"): string[] | undefined {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (file.startsWith(HEAVY)) {
      const chain: string[] = [];
      for (let f: string | null | undefined = file; f; f = parent.get(f)) chain.unshift(f);
      return chain;
    }
    for (const imp of meta.inputs[file]?.imports ?? []) {
      if (imp.external || imp.kind === "dynamic-import" || parent.has(imp.path)) continue;
      parent.set(imp.path, file);
      queue.push(imp.path);
    }
  }
  return undefined;
}
