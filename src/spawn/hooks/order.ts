import type { Plugin } from "../../config/types.ts";

/** Vite's rule: `enforce: "pre"` plugins first, then normal ones, then "post"; listed order within each. */
export function orderPlugins(plugins: readonly Plugin[]): Plugin[] {
  const rank = (p: Plugin) => (p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1);
  return plugins.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p);
}

/** The error of a throwing hook, naming plugin and hook so the operator knows where to look. */
export function hookError(plugin: Plugin, hook: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`plugin "${plugin.name}" ${hook} hook failed: ${msg}`, { cause: err });
}
