/**
 * Runs `config.ts` and the files it imports, at run time, without a bundler: each file is
 * transpiled by sucrase to CommonJS (line numbers kept, so stack lines point into the
 * operator's file) and evaluated with `vm.compileFunction` and a require of our own. Plain
 * `require()` of files on disk does not work inside a Node SEA; this does.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { compileFunction } from "node:vm";
import * as api from "../index.ts";
import { UserError } from "../errors.ts";
import type { SourceFile } from "./source-index.ts";
import { transpile } from "./transpile.ts";

/** The specifier operators import the DSL from; mapped to this program's own API. */
export const API_SPECIFIER = "multicluster-kubespawner";

export interface LoadedModules {
  /** `module.exports` of the entry file. */
  readonly exports: unknown;
  /** Every file read, entry first, in load order. */
  readonly files: readonly SourceFile[];
}

interface CjsModule {
  exports: unknown;
}

const CANDIDATES = [".ts", ".js", ".json", "/index.ts", "/index.js"];

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** `./x`, `./x.ts`, `./x.js` (TS style, meaning x.ts), `./dir` (dir/index.ts). */
function resolveFile(specifier: string, fromDir: string): string | undefined {
  const base = resolve(fromDir, specifier);
  if (isFile(base)) return base;
  if (base.endsWith(".js") && isFile(`${base.slice(0, -3)}.ts`)) return `${base.slice(0, -3)}.ts`;
  for (const ext of CANDIDATES) if (isFile(base + ext)) return base + ext;
  return undefined;
}

/** `file:line:col` of the first stack frame inside an operator file, when there is one. */
function frameIn(err: unknown, files: readonly SourceFile[]): { file: SourceFile; line: number; col: number } | undefined {
  const stack = err instanceof Error ? (err.stack ?? "") : "";
  for (const m of stack.matchAll(/\(?([^\s()]+):(\d+):(\d+)\)?$/gm)) {
    const file = files.find((f) => f.path === m[1]);
    if (file) return { file, line: Number(m[2]), col: Number(m[3]) };
  }
  return undefined;
}

/** One line: Node appends the require stack to "Cannot find module" messages. */
function messageOf(err: unknown): string {
  const message = err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
  return message.split("\n")[0] ?? message;
}

/**
 * Load `entry` and everything it imports relatively. Throws UserError (one detail line,
 * located) for unreadable files, syntax errors, unresolvable imports and errors thrown
 * while the config runs.
 */
export function loadModules(entry: string): LoadedModules {
  const root = dirname(entry);
  const cache = new Map<string, CjsModule>();
  const files: SourceFile[] = [];
  const display = (p: string) => relative(root, p) || p;

  function load(path: string): unknown {
    const cached = cache.get(path);
    if (cached) return cached.exports;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new UserError(`cannot read ${path}`, [`${display(path)}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`]);
    }
    const file: SourceFile = { path, display: display(path), text };
    files.push(file);
    const mod: CjsModule = { exports: {} };
    cache.set(path, mod);
    if (path.endsWith(".json")) {
      try {
        mod.exports = JSON.parse(text);
      } catch (err) {
        throw new UserError(`invalid JSON`, [`${file.display}: ${messageOf(err)}`]);
      }
      return mod.exports;
    }
    const code = transpile(file);
    let fn: Function;
    try {
      fn = compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: path });
    } catch (err) {
      // V8 puts "file:line" on the first line of a compile error's stack.
      const at = /^(.*):(\d+)$/m.exec(err instanceof Error ? (err.stack ?? "") : "");
      throw new UserError(`syntax error`, [`${file.display}${at ? `:${at[2]}` : ""}: ${messageOf(err)}`]);
    }
    const localRequire = makeRequire(path);
    try {
      fn.call(mod.exports, mod.exports, localRequire, mod, path, dirname(path));
    } catch (err) {
      if (err instanceof UserError) throw err;
      const f = frameIn(err, files);
      const where = f ? `${f.file.display}:${f.line}` : file.display;
      throw new UserError(`error while running the config`, [`${where}: ${messageOf(err)}`], { cause: err });
    }
    return mod.exports;
  }

  function makeRequire(from: string): (specifier: string) => unknown {
    let nodeRequire: NodeJS.Require | undefined;
    return (specifier: string) => {
      if (specifier === API_SPECIFIER) return api;
      if (specifier.startsWith(".") || isAbsolute(specifier)) {
        const target = resolveFile(specifier, dirname(from));
        if (!target) {
          throw new UserError(`cannot find module`, [
            `${display(from)}: cannot find "${specifier}" (tried ${CANDIDATES.map((e) => specifier + e).join(", ")})`,
          ]);
        }
        return load(target);
      }
      // Node builtins and the operator's own packages, resolved from the importing file.
      nodeRequire ??= createRequire(from);
      return nodeRequire(specifier);
    };
  }

  return { exports: load(entry), files };
}
