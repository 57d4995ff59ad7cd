/**
 * The public API's type declarations as ONE self-contained `index.d.ts`, for operators who
 * only have the binary (`mcks types`). tsc (TypeScript 7) emits one .d.ts per source file;
 * we then flatten the files src/index.ts reaches into one module, because an operator's
 * editor resolves `multicluster-kubespawner` to a single file with no siblings.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./paths.ts";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/**
 * The public API surface names AbortSignal, which lives in lib.dom or @types/node. An operator
 * may have neither, so declare the members both agree on; interface merging keeps this
 * compatible when either is present.
 */
const ABORT_SIGNAL_SHIM = `declare global {
  interface AbortSignal {
    readonly aborted: boolean;
    throwIfAborted(): void;
  }
}`;

/** Runs tsc on src/index.ts and returns the flattened declaration text. Throws on any surprise. */
export function generateDeclarations(): string {
  const out = mkdtempSync(join(tmpdir(), "mcks-dts-"));
  try {
    runTsc(out);
    return flatten(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function runTsc(outDir: string): void {
  // Flags mirror tsconfig.json; files on the command line make tsc ignore tsconfig's `include`.
  const args = [
    TSC, join(ROOT, "src", "index.ts"),
    "--declaration", "--emitDeclarationOnly", "--outDir", outDir, "--rootDir", join(ROOT, "src"),
    "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2023", "--lib", "es2023",
    "--types", "node", "--strict", "--skipLibCheck", "--allowImportingTsExtensions",
    "--verbatimModuleSyntax", "--erasableSyntaxOnly", "--pretty", "false", "--ignoreConfig",
  ];
  try {
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc could not emit declarations for src/index.ts:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

interface DtsFile {
  readonly rel: string;
  readonly body: string;
}

// tsc prints each import/export-from on one statement ending in `;`, possibly over several lines.
const FROM_STATEMENT = /^(import|export)\b[^;]*?\bfrom\s+"([^"]+)";[ \t]*\n?/gm;
const SIDE_EFFECT_IMPORT = /^import\s+"([^"]+)";/m;
const DECLARATION_NAME =
  /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:type|interface|function|const|let|var|class|enum|namespace)\s+([A-Za-z_$][\w$]*)/gm;

function flatten(outDir: string): string {
  const files: DtsFile[] = [];
  const seen = new Set<string>();
  const entry = join(outDir, "index.d.ts");
  /** Names src/index.ts exports; only they and what they mention go into the result. */
  const roots = new Set<string>();
  const exportAllFrom = new Set<string>();
  // Depth-first, dependencies before dependents, so the result reads bottom-up like a bundle.
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    const rel = relative(outDir, file);
    if (SIDE_EFFECT_IMPORT.test(text)) throw new Error(`${rel}: side-effect import in the public API`);
    const body = text.replace(FROM_STATEMENT, (stmt: string, kind: string, spec: string) => {
      if (!spec.startsWith(".")) {
        throw new Error(`${rel}: the public API must not depend on the package "${spec}" (operators only have the binary)`);
      }
      if (kind === "export" && /\bas\b/.test(stmt)) {
        throw new Error(`${rel}: renamed re-exports are not supported by the declaration flattener: ${stmt.trim()}`);
      }
      const target = resolve(dirname(file), spec.replace(/\.ts$/, ".d.ts"));
      if (kind === "export" && file === entry) {
        if (/^export\s+\*/.test(stmt)) exportAllFrom.add(relative(outDir, target));
        for (const name of /\{([^}]*)\}/.exec(stmt)?.[1]?.split(",") ?? []) {
          const n = name.trim().replace(/^type\s+/, "");
          if (n) roots.add(n);
        }
      }
      visit(target);
      return "";
    });
    files.push({ rel, body: body.replace(/^export \{\};\n?/gm, "").replace(/^\/\/\/ <reference types="node" \/>\n?/gm, "").trim() });
  };
  visit(entry);

  // Split into top-level declarations (each with its doc comment) and index them by name.
  const byName = new Map<string, Chunk[]>();
  const owner = new Map<string, string>();
  const perFile = files.map((f) => {
    const list = splitDeclarations(f.body).map((text): Chunk => ({ text, name: new RegExp(DECLARATION_NAME.source, "m").exec(text)?.[1], keep: false }));
    for (const c of list) {
      if (c.name === undefined) continue;
      const prev = owner.get(c.name);
      // Function overloads repeat a name within one file; across files it would be a clash.
      if (prev !== undefined && prev !== f.rel) {
        throw new Error(`declaration "${c.name}" exists in both ${prev} and ${f.rel}; rename one (the public .d.ts is one flat module)`);
      }
      owner.set(c.name, f.rel);
      byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
      if (f.rel === "index.d.ts" || exportAllFrom.has(f.rel)) roots.add(c.name);
    }
    return { rel: f.rel, chunks: list };
  });

  // Keep what the exports reach; internal types (ResolvedConfig…) stay out of the operator's editor.
  const queue = [...roots];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const missing = !byName.has(name);
    if (missing && roots.has(name)) throw new Error(`src/index.ts exports "${name}" but no declaration of it was found`);
    for (const c of byName.get(name) ?? []) {
      if (c.keep) continue;
      c.keep = true;
      for (const m of c.text.matchAll(/[A-Za-z_$][\w$]*/g)) if (byName.has(m[0])) queue.push(m[0]);
    }
  }

  const parts = perFile
    .map((f) => ({ rel: f.rel, kept: f.chunks.filter((c) => c.keep).map((c) => c.text.trim()) }))
    .filter((f) => f.kept.length > 0)
    .map((f) => `// ---- ${f.rel.replace(/\.d\.ts$/, ".ts")}\n${f.kept.join("\n")}`);
  return [
    "// Type declarations of multicluster-kubespawner (`mcks types`). Generated; do not edit.",
    "// Save as node_modules/multicluster-kubespawner/index.d.ts, or map the name with tsconfig `paths`.",
    ABORT_SIGNAL_SHIM,
    ...parts,
    "",
  ].join("\n\n");
}

interface Chunk {
  readonly text: string;
  readonly name: string | undefined;
  keep: boolean;
}

/**
 * tsc writes each top-level declaration from column 0 and indents everything inside it, so a
 * new declaration (or its doc comment) starts at a column-0 line that is not a closing bracket.
 * A doc comment stays with the declaration after it; a doc comment followed by another one
 * (a file's header) becomes a chunk without a name and is dropped.
 */
function splitDeclarations(body: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let docOnly = false;
  let inDoc = false;
  const flush = (): void => {
    if (cur.length > 0) out.push(cur.join("\n"));
    cur = [];
  };
  for (const line of body.split("\n")) {
    if (inDoc) {
      cur.push(line);
      if (line.includes("*/")) inDoc = false;
      continue;
    }
    const topLevel = line.length > 0 && !/^[\s})\]]/.test(line);
    if (!topLevel) {
      cur.push(line);
    } else if (line.startsWith("/*")) {
      flush();
      cur.push(line);
      docOnly = true;
      inDoc = !line.includes("*/");
    } else {
      if (!docOnly) flush();
      docOnly = false;
      cur.push(line);
    }
  }
  flush();
  return out;
}

// `node build/declarations.ts` prints the result (handy when debugging the flattener).
if (import.meta.main) process.stdout.write(generateDeclarations());
