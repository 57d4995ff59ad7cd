/**
 * Loading config.ts, in Vite's named steps: find → transpile + evaluate (module-loader.ts)
 * → validate → resolve. Returns the files read so `serve` can reload when one changes.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../errors.ts";
import { loadModules } from "./module-loader.ts";
import { resolveConfig, type ResolvedConfig } from "./resolve.ts";
import { createSourceIndex } from "./source-index.ts";
import type { SourceFile } from "./source-index.ts";
import { validateConfig } from "./validate.ts";

export interface LoadedConfig {
  /** Absolute path of config.ts. */
  readonly path: string;
  readonly config: ResolvedConfig;
  /** Absolute paths of config.ts and every file it imported. */
  readonly dependencies: string[];
}

function find(path: string): string {
  const abs = resolve(path);
  let isFile = false;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new UserError("no such file", [`${path}: not found; pass the path of your config.ts with -c`]);
  return abs;
}

/** The config a module exports: `export default`, else `module.exports`. */
function exportedConfig(exports: unknown, entry: SourceFile): unknown {
  if (typeof exports === "object" && exports !== null && "default" in exports) return (exports as { default: unknown }).default;
  if (typeof exports === "object" && exports !== null && Object.keys(exports).length === 0) {
    throw new UserError("no config exported", [`${entry.display}: nothing is exported; end it with export default defineConfig({ ... })`]);
  }
  return exports;
}

/** Vite-style `defineConfig(async () => ({...}))`: a config may be a (async) function or a promise. */
async function settle(value: unknown, files: readonly SourceFile[]): Promise<unknown> {
  try {
    const v = typeof value === "function" ? (value as () => unknown)() : value;
    return await v;
  } catch (err) {
    const stack = err instanceof Error ? (err.stack ?? "") : "";
    const file = files.find((f) => stack.includes(`${f.path}:`));
    const line = file ? new RegExp(`${file.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`).exec(stack)?.[1] : undefined;
    const where = file ? `${file.display}${line ? `:${line}` : ""}` : (files[0]?.display ?? "config");
    throw new UserError("error while running the config function", [`${where}: ${err instanceof Error ? err.message : String(err)}`], { cause: err });
  }
}

/**
 * A promise nested in the config (`cpuLimit: Promise.reject(…)`, an un-awaited async helper)
 * is a shape error the validator reports; its rejection must not also escape as an unhandled
 * rejection that kills the process. Walks plain objects and arrays only, each once.
 */
function silenceNestedPromises(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as { then?: unknown }).then === "function") {
    (value as Promise<unknown>).then(undefined, () => {});
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  for (const v of Object.values(value)) silenceNestedPromises(v, seen);
}

/**
 * Load, validate and resolve `path`. Throws UserError "failed to load config from <path>: …"
 * with one detail line per problem (all of them, located when possible).
 */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  try {
    const abs = find(path);
    const { exports, files } = loadModules(abs);
    const entry = files[0] as SourceFile;
    const raw = await settle(exportedConfig(exports, entry), files);
    silenceNestedPromises(raw);
    const index = createSourceIndex(files);
    const config = resolveConfig(validateConfig(raw, index), abs, index);
    return { path: abs, config, dependencies: files.map((f) => f.path) };
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`failed to load config from ${path}: ${err.message}`, err.details, { cause: err });
    throw err;
  }
}
