/**
 * The layering check of `npm test`: every module under src/ may import only from its own layer
 * or a lower one, in the order docs/architecture.md "Folders and layers" gives (read from that
 * table, so the document and the check cannot drift apart). Also fails when a folder of src/
 * is missing from the table, or the table names one that does not exist.
 *
 *   node scripts/check-layers.ts        prints each violation; exit 1 if there is any
 *
 * Imports are found by reading the source (static `import`/`export … from` at the start of a
 * line, `import type` included, and `import("…")` with a literal path outside comments):
 * a type from a higher layer is as much a layering error as code from it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** A unit is a top-level folder of src/ (`kube/`) or a file directly in it (`main.ts`). */
export type Layers = ReadonlyMap<string, number>;

/** The rows between the `layers:begin` and `layers:end` markers: `| N | \`unit\`, \`unit\` | … |`. */
export function readLayers(markdown: string): Layers {
  const begin = markdown.indexOf("<!-- layers:begin -->");
  const end = markdown.indexOf("<!-- layers:end -->");
  if (begin < 0 || end < begin) throw new Error("docs/architecture.md has no <!-- layers:begin --> … <!-- layers:end --> table");
  const layers = new Map<string, number>();
  for (const line of markdown.slice(begin, end).split("\n")) {
    const row = /^\|\s*(\d+)\s*\|([^|]*)\|/.exec(line);
    if (!row) continue;
    for (const [, unit] of (row[2] ?? "").matchAll(/`([^`]+)`/g)) layers.set(unit as string, Number(row[1]));
  }
  if (layers.size === 0) throw new Error("the layer table in docs/architecture.md has no rows");
  return layers;
}

/** The relative module paths a source file imports (package and node: imports are left out). */
export function importsOf(source: string): string[] {
  const found = new Set<string>();
  // Static imports and re-exports start at column 0 and may span lines up to `from "…"`.
  for (const m of source.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/gm)) found.add(m[1] as string);
  for (const m of source.matchAll(/^import\s*["']([^"']+)["']/gm)) found.add(m[1] as string);
  for (const line of source.split("\n")) {
    const t = line.trimStart();
    if (t.startsWith("*") || t.startsWith("//") || t.startsWith("/*")) continue;
    for (const m of line.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1] as string);
  }
  return [...found].filter((s) => s.startsWith("."));
}

/** `kube/` for src/kube/watch.ts, `main.ts` for src/main.ts. */
export function unitOf(pathInSrc: string): string {
  const [first, ...rest] = pathInSrc.split(/[\\/]/);
  return rest.length > 0 ? `${first}/` : (first as string);
}

export interface SourceFile {
  /** Path relative to src/, e.g. `kube/watch.ts`. */
  readonly path: string;
  readonly text: string;
}

/** Every problem, one sentence each: what, where, how to fix. */
export function layerViolations(files: readonly SourceFile[], layers: Layers): string[] {
  const problems: string[] = [];
  const units = new Set(files.map((f) => unitOf(f.path)));
  for (const unit of units) {
    if (!layers.has(unit)) problems.push(`src/${unit} is not in the layer table of docs/architecture.md; add it to the layer it belongs to`);
  }
  for (const unit of layers.keys()) {
    if (!units.has(unit)) problems.push(`docs/architecture.md's layer table names src/${unit}, which does not exist; remove or rename the row`);
  }
  for (const file of files) {
    const own = layers.get(unitOf(file.path));
    if (own === undefined) continue;
    for (const spec of importsOf(file.text)) {
      const target = relative("src", join("src", dirname(file.path), spec));
      if (target.startsWith("..")) {
        problems.push(`src/${file.path} imports ${spec}, outside src/; src/ must stand alone`);
        continue;
      }
      const layer = layers.get(unitOf(target));
      if (layer === undefined || layer <= own) continue;
      problems.push(
        `src/${file.path} (layer ${own}, ${unitOf(file.path)}) imports src/${target.split(sep).join("/")} (layer ${layer}, ${unitOf(target)}), a higher layer; move what it needs down, or pass it in from above (docs/architecture.md "Folders and layers")`,
      );
    }
  }
  return problems;
}

function sourceFiles(srcDir: string): SourceFile[] {
  return readdirSync(srcDir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => ({ path: f.split(sep).join("/"), text: readFileSync(join(srcDir, f), "utf8") }));
}

if (import.meta.main) {
  const root = resolve(import.meta.dirname, "..");
  const layers = readLayers(readFileSync(join(root, "docs/architecture.md"), "utf8"));
  const files = sourceFiles(join(root, "src"));
  const problems = layerViolations(files, layers);
  for (const p of problems) process.stderr.write(`layers: ${p}\n`);
  process.stdout.write(`layers: ${files.length} modules in ${new Set(files.map((f) => unitOf(f.path))).size} folders and files checked, ${problems.length} problems\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
