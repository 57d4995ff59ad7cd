/**
 * Reading and printing objects the way kubectl does, so `mcks patch` output can be compared with
 * `kubectl patch --local -o yaml|json` line by line:
 * - kubectl reads YAML 1.1 (go-yaml v2): `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is
 *   octal; timestamps stay strings (they are decoded into untyped values);
 * - `-o yaml` sorts map keys with go-yaml v2's "natural" order (digit runs compare as numbers),
 *   does not indent lists under their key and never folds long lines;
 * - `-o json` sorts keys bytewise, indents by 4 spaces and escapes <, > and & like Go.
 */
import { type Document, isMap as isYamlMap, parseAllDocuments, stringify, type Tags } from "yaml";
import { UserError } from "../errors.ts";
import { isMap, type Json, type JsonMap } from "./json.ts";

const YAML_11 = {
  version: "1.1" as const,
  // go-yaml v2 leaves timestamps and base-60 numbers as strings when decoding into interface{}.
  customTags: (tags: Tags): Tags =>
    tags.filter((t) => !(typeof t === "object" && (t.tag === "tag:yaml.org,2002:timestamp" || t.format === "TIME"))),
};

/** Parses one YAML (or JSON) document as kubectl would; `where` names the file for errors. */
export function parseKubectlYaml(text: string, where: string): Json {
  const docs: Document[] = parseAllDocuments(text, YAML_11) as Document[];
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  for (const d of real) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0];
      const at = line ? `${where}:${line.line}:${line.col}` : where;
      throw new UserError(`${at}: not valid YAML: ${err.message.split("\n")[0]}; fix the indentation or quoting there`);
    }
  }
  if (real.length === 0) throw new UserError(`${where}: the file is empty; it must hold one YAML document`);
  if (real.length > 1) throw new UserError(`${where}: holds ${real.length} YAML documents; give one document per file`);
  const doc = real[0]!;
  if (isYamlMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const k = (pair.key as { value?: unknown } | null)?.value;
      if (typeof k !== "string" && typeof k !== "number" && typeof k !== "boolean") {
        throw new UserError(`${where}: a map key is not a plain scalar; use string keys`);
      }
    }
  }
  return doc.toJS({ maxAliasCount: 1000 }) as Json;
}

/** go-yaml v2's map key order (sorter.go keyList.Less) for string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string): boolean => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined): boolean => c !== undefined && /\p{Nd}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + (ar[ai]!.charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + (br[bi]!.charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

function sortKeys(v: Json, cmp: (a: string, b: string) => number): Json {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, cmp));
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const k of Object.keys(v).sort(cmp)) {
    const x = sortKeys(v[k]!, cmp);
    if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

const goYamlCmp = (a: string, b: string): number => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0);
const bytewiseCmp = (a: string, b: string): number => {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ab, bb);
};

/** The object as `kubectl … -o yaml` prints it. */
export function printKubectlYaml(v: Json): string {
  return stringify(sortKeys(v, goYamlCmp), { version: "1.1", indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

/** The object as `kubectl … -o json` prints it. */
export function printKubectlJson(v: Json): string {
  const text = JSON.stringify(sortKeys(v, bytewiseCmp), null, 4);
  return `${text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}
