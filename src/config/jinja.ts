/**
 * Templates are eta with `{{ }}` tags, not Jinja. Upstream's Python spawner rendered its
 * templates with Jinja, so a pasted template may hold `{% if %}`, `{# #}` or a filter
 * (`{{ x | lower }}`): eta would print the first two as literal text and read the filter as
 * JavaScript's bitwise or. Each is refused here, with its line and the eta way to write it.
 * Pure text scanning, so both `mcks validate` (config/) and the render stage can use it.
 */

export interface JinjaProblem {
  /** 1-based line in the template. */
  readonly line: number;
  readonly message: string;
}

/**
 * Any statement tag, whatever its name (`{% do %}`, `{% trans %}`, an extension's own) and
 * whitespace control (`{%- `, `{%+ `): listing names would let the next one through.
 */
const STATEMENT = /\{%[-+]?\s*[A-Za-z_]\w*[^]*?%\}/;
/** Any eta tag: its body is JavaScript, where `{% x %}` or `{# #}` can only be inside a string. */
const ETA_TAG = /\{\{[^]*?\}\}/g;
/** `{# … #}`, but not eta's `{{# … }}`. */
const COMMENT = /(?<!\{)\{#[^]*?#\}/;
/** An eta interpolation or raw tag's body: `{{ x }}`, `{{~ x }}`, trim markers allowed; not `{{# }}`. */
const OUTPUT_TAG = /\{\{(?![-_]?\s*#)([^]*?)\}\}/g;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g;
/** A single `|` (not `||`, not `|=`) followed by a name: a Jinja filter. */
const FILTER = /(?<!\|)\|(?![|=])\s*([A-Za-z_]\w*)/;

/** How each common Jinja filter is written as JavaScript, given the filtered expression and the filter's arguments. */
const FILTER_HINTS: Readonly<Record<string, (x: string, args: string) => string>> = {
  lower: (x) => `${x}.toLowerCase()`,
  upper: (x) => `${x}.toUpperCase()`,
  trim: (x) => `${x}.trim()`,
  default: (x, a) => `${x} ?? ${a || "fallback"}`,
  d: (x, a) => `${x} ?? ${a || "fallback"}`,
  replace: (x, a) => `${x}.replaceAll(${a || "a, b"})`,
  join: (x, a) => `${x}.join(${a || '","'})`,
  length: (x) => `${x}.length`,
  int: (x) => `Number.parseInt(${x})`,
  float: (x) => `Number(${x})`,
  string: (x) => `String(${x})`,
  tojson: (x) => `JSON.stringify(${x})`,
  first: (x) => `${x}[0]`,
  last: (x) => `${x}.at(-1)`,
};

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function excerpt(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return JSON.stringify(one.length > 60 ? `${one.slice(0, 57)}...` : one);
}

/** The first Jinja construct in `template`, or undefined. */
export function jinjaProblem(template: string): JinjaProblem | undefined {
  const found: Array<{ index: number; message: string }> = [];
  // Eta tags blanked at the same length, so indexes still match `template`.
  const outside = template.replace(ETA_TAG, (tag) => `{{${" ".repeat(tag.length - 4)}}}`);
  const st = STATEMENT.exec(outside);
  if (st) {
    found.push({
      index: st.index,
      message: `Jinja statement ${excerpt(template.slice(st.index, st.index + st[0].length))} is not supported; templates use eta tags with JavaScript: {{# if (cond) { }} … {{# } else { }} … {{# } }}, {{# for (const x of list) { }} … {{# } }}`,
    });
  }
  const cm = COMMENT.exec(outside);
  if (cm) found.push({ index: cm.index, message: `Jinja comment ${excerpt(template.slice(cm.index, cm.index + cm[0].length))} is not supported; write a YAML comment (# …) or {{# /* … */ }}` });
  for (const tag of template.matchAll(OUTPUT_TAG)) {
    const raw = tag[1] ?? "";
    // Strings blanked out at the same length, so a "|" inside one is no filter and indexes still match `raw`.
    const blanked = raw.replace(STRING_LITERAL, (lit) => `"${" ".repeat(lit.length - 2)}"`);
    const filter = FILTER.exec(blanked);
    if (!filter) continue;
    const name = filter[1] ?? "";
    const expr = raw.slice(0, filter.index).replace(/^[-_~]?\s*/, "").trim();
    const args = /^\s*\(([^]*)\)\s*$/.exec(raw.slice(filter.index + filter[0].length).replace(/\s*[-_]$/, ""))?.[1]?.trim() ?? "";
    const hint = FILTER_HINTS[name]?.(expr || "x", args);
    found.push({
      index: tag.index,
      message: `Jinja filter "| ${name}" in ${excerpt(tag[0])} is not supported; a {{ }} tag holds a JavaScript expression${hint ? `: write {{ ${hint} }}` : ""}`,
    });
    break;
  }
  if (found.length === 0) return undefined;
  const first = found.reduce((a, b) => (b.index < a.index ? b : a));
  return { line: lineAt(template, first.index), message: first.message };
}
