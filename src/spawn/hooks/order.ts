import type { Plugin } from "../../config/types.ts";

/** Vite's rule: `enforce: "pre"` plugins first, then normal ones, then "post"; listed order within each. */
export function orderPlugins(plugins: readonly Plugin[]): Plugin[] {
  const rank = (p: Plugin) => (p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1);
  return plugins.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p);
}

const BUILTIN = new WeakSet<Plugin>();

/**
 * Marks one of mcks's own plugins (the route check, the relabel). They run through the same
 * hook runners as the operator's, but what they do is not the operator's: their errors keep
 * mcks's own wording and `dry-run --explain` does not credit their changes.
 */
export function builtinPlugin<P extends Plugin>(plugin: P): P {
  BUILTIN.add(plugin);
  return plugin;
}

export function isBuiltin(plugin: Plugin): boolean {
  return BUILTIN.has(plugin);
}

/** The error of a throwing hook, naming plugin and hook so the operator knows where to look. */
export function hookError(plugin: Plugin, hook: string, err: unknown): unknown {
  if (isBuiltin(plugin)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`plugin "${plugin.name}" ${hook} hook failed: ${msg}`, { cause: err });
}
