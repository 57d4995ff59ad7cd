/**
 * Packages that commands which never talk to a cluster (`dry-run`, `validate`, `types`,
 * `--version`) must not load: the Kubernetes client costs ~185 ms, prom-client is only for
 * `serve --metrics-listen`. They may only be reached through `import()`. This walks the
 * bundle's import graph from the entry over static edges only and returns the import chain to
 * one of them if one exists.
 */
import type { Metafile } from "esbuild";

export const LAZY_PACKAGES = ["node_modules/@kubernetes/client-node/", "node_modules/prom-client/"] as const;

/** Returns e.g. ["src/main.ts", "src/cli/serve.ts", "node_modules/@kubernetes/client-node/dist/index.js"], or undefined. */
export function eagerChainToLazyPackage(meta: Metafile, entry = "src/main.ts"): string[] | undefined {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (LAZY_PACKAGES.some((p) => file.startsWith(p))) {
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
