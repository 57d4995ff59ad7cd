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
      visit(resolve(dirname(file), spec.replace(/\.ts$/, ".d.ts")));
      return "";
    });
    files.push({ rel, body: body.replace(/^export \{\};\n?/gm, "").replace(/^\/\/\/ <reference types="node" \/>\n?/gm, "").trim() });
  };
  visit(join(outDir, "index.d.ts"));

  const owner = new Map<string, string>();
  for (const f of files) {
    for (const m of f.body.matchAll(DECLARATION_NAME)) {
      const name = m[1] ?? "";
      const prev = owner.get(name);
      // Function overloads repeat a name within one file; across files it would be a clash.
      if (prev !== undefined && prev !== f.rel) {
        throw new Error(`declaration "${name}" exists in both ${prev} and ${f.rel}; rename one (the public .d.ts is one flat module)`);
      }
      owner.set(name, f.rel);
    }
  }

  const parts = files.map((f) => `// ---- ${f.rel.replace(/\.d\.ts$/, ".ts")}\n${f.body}`);
  return [
    "// Type declarations of multicluster-kubespawner (`mcks types`). Generated; do not edit.",
    "// Save as node_modules/multicluster-kubespawner/index.d.ts, or map the name with tsconfig `paths`.",
    ABORT_SIGNAL_SHIM,
    ...parts,
    "",
  ].join("\n\n");
}

// `node build/declarations.ts` prints the result (handy when debugging the flattener).
if (import.meta.main) process.stdout.write(generateDeclarations());
