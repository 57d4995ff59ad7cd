/**
 * Generates src/patch/table.generated.ts: for every built-in kind (GVK), the field types that a
 * strategic merge patch needs (structs, lists, maps) with their patch strategy, merge key and
 * list type, taken from the swagger.json that ships in the k8s.io/kubernetes Go module.
 *
 *   node_modules/.bin/node scripts/patch/gen-table.ts            # newest v1.34.x on the Go proxy
 *   node_modules/.bin/node scripts/patch/gen-table.ts v1.34.4    # a pinned release
 *
 * Needs `go` on PATH (it only downloads the module into the Go module cache).
 * Primitive fields are left out on purpose: the merge never looks their schema up.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface SwaggerProp {
  $ref?: string;
  type?: string;
  items?: SwaggerProp;
  additionalProperties?: SwaggerProp | boolean;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}
interface SwaggerDef {
  type?: string;
  properties?: Record<string, SwaggerProp>;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}

function newestVersion(): string {
  const out = execFileSync("go", ["list", "-m", "-versions", "k8s.io/kubernetes"], { encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" } });
  const v134 = out.trim().split(/\s+/).filter((v) => /^v1\.34\.\d+$/.test(v));
  v134.sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
  const last = v134.at(-1);
  if (!last) throw new Error("the Go proxy lists no v1.34.x of k8s.io/kubernetes");
  return last;
}

const version = process.argv[2] ?? newestVersion();
// `go mod download` needs a module context only for GOFLAGS=-mod=mod; run it from a temp dir.
const info = JSON.parse(
  execFileSync("go", ["mod", "download", "-json", `k8s.io/kubernetes@${version}`], {
    encoding: "utf8",
    cwd: process.env.TMPDIR ?? "/tmp",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  }),
) as { Dir?: string; Error?: string };
if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? "no Dir"}`);
const swagger = JSON.parse(readFileSync(join(info.Dir, "api/openapi-spec/swagger.json"), "utf8")) as {
  definitions: Record<string, SwaggerDef>;
};

/** io.k8s.api.core.v1.PodSpec → core.v1.PodSpec; io.k8s.apimachinery.pkg.apis.meta.v1.X → meta.v1.X */
function shortName(ref: string): string {
  const name = ref.replace(/^#\/definitions\//, "");
  return name
    .replace(/^io\.k8s\.api\./, "")
    .replace(/^io\.k8s\.apimachinery\.pkg\.apis\./, "")
    .replace(/^io\.k8s\.apimachinery\.pkg\./, "")
    .replace(/^io\.k8s\.apiextensions-apiserver\.pkg\.apis\./, "")
    .replace(/^io\.k8s\.kube-aggregator\.pkg\.apis\./, "");
}

/** A $ref to a definition that is a string/number in JSON (its `type` is not object). */
function isPrimitiveRef(ref: string): boolean {
  const def = swagger.definitions[ref.replace(/^#\/definitions\//, "")];
  return def?.type !== undefined && def.type !== "object";
}

/** Field descriptor: `T` struct, `[]T` list of structs, `[]` list of primitives, `{}` map; then tags. */
function describe(p: SwaggerProp): string | undefined {
  let type: string;
  if (p.$ref && !isPrimitiveRef(p.$ref)) type = shortName(p.$ref);
  else if (p.$ref) return undefined; // Quantity, IntOrString, Time…: strings in JSON
  else if (p.type === "array") {
    const it = p.items ?? {};
    if (it.$ref && !isPrimitiveRef(it.$ref)) type = `[]${shortName(it.$ref)}`;
    else if (it.type === "array") type = "[][]";
    else type = "[]";
  } else if (p.type === "object") type = "{}";
  else return undefined; // primitive: never looked up by the merge
  const tags: string[] = [];
  if (p["x-kubernetes-patch-strategy"]) tags.push(`s=${p["x-kubernetes-patch-strategy"]}`);
  if (p["x-kubernetes-patch-merge-key"]) tags.push(`k=${p["x-kubernetes-patch-merge-key"]}`);
  if (p["x-kubernetes-list-type"]) tags.push(`l=${p["x-kubernetes-list-type"]}`);
  if (p["x-kubernetes-list-map-keys"]) tags.push(`m=${p["x-kubernetes-list-map-keys"].join(",")}`);
  return [type, ...tags].join(" ");
}

const defs = swagger.definitions;
const kinds: Record<string, string> = {};
for (const [name, def] of Object.entries(defs)) {
  for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
    // Kinds registered in every group (DeleteOptions, WatchEvent…) are not objects one patches.
    if (!def.properties?.metadata) continue;
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    kinds[`${apiVersion}/${gvk.kind}`] = shortName(name);
  }
}

// Only types reachable by $ref from a kind.
const types: Record<string, Record<string, string>> = {};
const queue = [...new Set(Object.values(kinds))];
const byShort = new Map(Object.keys(defs).map((n) => [shortName(n), n]));
while (queue.length > 0) {
  const t = queue.shift()!;
  if (types[t]) continue;
  const def = defs[byShort.get(t)!];
  const fields: Record<string, string> = {};
  for (const [f, p] of Object.entries(def?.properties ?? {})) {
    const d = describe(p);
    if (d === undefined) continue;
    fields[f] = d;
    const ref = d.split(" ")[0]!.replace(/^\[\]/, "");
    if (ref && ref !== "{}" && ref !== "[]" && !types[ref]) queue.push(ref);
  }
  types[t] = fields;
}

const sorted = <V>(o: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const lines = [
  "// GENERATED FILE — do not edit. Regenerate with:",
  "//   node_modules/.bin/node scripts/patch/gen-table.ts [v1.34.x]",
  `// Source: api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes@${version}.`,
  "// Field descriptor: `T` struct, `[]T` list of structs, `[]` list of primitives, `{}` map, then tags",
  "// s=patch strategy, k=patch merge key, l=list type, m=list map keys. Primitive fields are omitted.",
  "",
  `export const K8S_VERSION = ${JSON.stringify(version)};`,
  "",
  "/** `apiVersion/kind` → type name. */",
  `export const KINDS: Readonly<Record<string, string>> = ${JSON.stringify(sorted(kinds), null, 0)};`,
  "",
  "/** type name → field → descriptor (structs only; fields that are not struct/list/map are left out). */",
  "export const TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {",
  ...Object.entries(sorted(types)).map(([t, f]) => `${JSON.stringify(t)}:${JSON.stringify(f)},`),
  "};",
  "",
];
const out = join(import.meta.dirname, "../../src/patch/table.generated.ts");
writeFileSync(out, lines.join("\n"));
process.stdout.write(`wrote ${out}: ${Object.keys(kinds).length} kinds, ${Object.keys(types).length} types (k8s ${version})\n`);
