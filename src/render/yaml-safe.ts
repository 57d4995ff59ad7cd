/**
 * The YAML half of template safety.
 *
 * A template never receives a value's text: each `{{ x }}` prints a sentinel token
 * (`<nonce>v<index>x`, letters and digits only, so it is a plain scalar anywhere YAML allows
 * one and cannot start, end or nest any structure). The rendered text is parsed here, and
 * only then are sentinels swapped for the real values, scalar by scalar. So a value can
 * end up inside a scalar (or as a whole scalar / a map key) but never add a key, an item or
 * a document, whatever characters it holds ("x\nkind: Secret", "- item", "---", "#x"…).
 *
 * Typing rule: a PLAIN scalar that is exactly one sentinel takes the value's own type
 * (8888 stays a number, a string "true" stays a string, an array stays an array); a
 * sentinel inside longer text or inside quotes becomes the value's text.
 *
 * The YAML schema is 1.1, as kubectl (go-yaml) and upstream's PyYAML read these documents,
 * so `yes`/`on` and `<<` merge keys mean what an operator used to kubectl expects.
 */
import { parseAllDocuments, Scalar, visit } from "yaml";
import type { Tags } from "yaml";

/**
 * YAML 1.1 minus what go-yaml does not do either and what is not JSON: timestamps (would be
 * Date objects), sexagesimal numbers (`1:20` stays a string), !!binary, !!set, !!omap, !!pairs.
 */
const NOT_JSON = new Set([
  "tag:yaml.org,2002:timestamp",
  "tag:yaml.org,2002:binary",
  "tag:yaml.org,2002:set",
  "tag:yaml.org,2002:omap",
  "tag:yaml.org,2002:pairs",
]);
function kubectlTags(tags: Tags): Tags {
  return tags.filter((t) => typeof t === "string" || (!NOT_JSON.has(t.tag) && !("format" in t && t.format === "TIME")));
}

/** A rendered document with sentinels still in it; cached per rendered text. */
export type Skeleton = unknown;

export class YamlTemplateError extends Error {
  /** 1-based line in the rendered text. */
  readonly line: number | undefined;
  constructor(message: string, line: number | undefined) {
    super(message);
    this.line = line;
  }
}

/** Sentinel printed for the value at `index`. */
export function sentinel(nonce: string, index: number): string {
  return `${nonce}v${index}x`;
}

/** Marks a plain scalar that was exactly one sentinel (typed substitution). */
function typedSentinel(nonce: string, index: number): string {
  return `${nonce}t${index}x`;
}

/** Parses rendered text into skeletons (one per document); throws YamlTemplateError. */
export function parseSkeletons(text: string, nonce: string): Skeleton[] {
  const exact = new RegExp(`^${nonce}v(\\d+)x$`);
  const docs = parseAllDocuments(text, {
    version: "1.1",
    customTags: kubectlTags,
    prettyErrors: true,
    uniqueKeys: true,
  });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: Skeleton[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      // yaml appends " at line L, column C:" and a code frame holding sentinels; keep the sentence.
      const sentence = err.message.split(/ at line \d+/)[0] ?? err.message;
      throw new YamlTemplateError(sentence, err.linePos?.[0]?.line);
    }
    visit(doc, {
      Scalar(_key, node) {
        if (node.type === Scalar.PLAIN && typeof node.value === "string") {
          const m = exact.exec(node.value);
          if (m) node.value = typedSentinel(nonce, Number(m[1]));
        }
      },
    });
    out.push(doc.toJS({ maxAliasCount: 100 }));
  }
  return out;
}

/** The text of a value placed inside a longer scalar or a map key. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The data of a value that is a whole plain scalar: plain JSON data, never shared with ctx. */
function dataOf(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "object") return JSON.parse(JSON.stringify(value)) as unknown;
  if (typeof value === "function" || typeof value === "symbol") return textOf(String(value));
  if (typeof value === "bigint") return Number(value);
  return value;
}

/**
 * A fresh copy of `skeleton` with every sentinel replaced by its value. Keys that become
 * equal after substitution are an error (a value may not shadow a key the template wrote).
 */
export function fill(skeleton: Skeleton, values: readonly unknown[], nonce: string): unknown {
  const any = new RegExp(`${nonce}[vt](\\d+)x`, "g");
  const typed = new RegExp(`^${nonce}t(\\d+)x$`);
  const text = (s: string): string =>
    s.includes(nonce) ? s.replace(any, (_m, i: string) => textOf(values[Number(i)])) : s;

  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      if (!node.includes(nonce)) return node;
      const m = typed.exec(node);
      return m ? dataOf(values[Number(m[1])]) : text(node);
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const key = text(k);
        if (Object.hasOwn(out, key)) {
          throw new YamlTemplateError(`two keys of one mapping both became ${JSON.stringify(key)} after substitution`, undefined);
        }
        // defineProperty: a key "__proto__" stays an own key instead of replacing the prototype.
        Object.defineProperty(out, key, { value: walk(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  return walk(skeleton);
}
