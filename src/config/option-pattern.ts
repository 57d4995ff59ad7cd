/**
 * What an unlisted (free-text) option value must pass before its `overrides(value)` runs. The
 * value comes from the hub user, so the check must hold against hostile text:
 *   - at most MAX_VALUE_LENGTH characters and no control characters (a newline could start a
 *     new argument or line in whatever the value lands in);
 *   - the WHOLE value matches `validation`; the flags that would loosen that (`m` makes ^ and $
 *     match at line ends, `g`/`y` make matching stateful) are refused by `validate`;
 *   - matching takes linear time: patterns run on re2js, a pure-JavaScript port of RE2, so
 *     `(a|aa)+` cannot stall the daemon's event loop (V8's backtracking engine took 7 s on 41
 *     characters). Pure JavaScript because the single-executable binary cannot load a native
 *     addon such as `re2`; RE2 syntax has no lookaround or backreferences, which `validate` says.
 * `validation: "any"` is the explicit opt-out (length and control characters still apply);
 * `validate` warns about it.
 */
import { RE2JS } from "re2js";

export const MAX_VALUE_LENGTH = 256;
export const ANY = "any";
/** valueProblem's answer when only the pattern failed (the operator's validationMessage explains it). */
export const NO_MATCH = "it does not match the expected pattern";

/** JavaScript flags that keep "the whole value matches" meaning what it says. */
const ALLOWED_FLAGS: Readonly<Record<string, number>> = { i: RE2JS.CASE_INSENSITIVE, s: RE2JS.DOTALL, u: 0, d: 0 };
const FLAG_WHY: Readonly<Record<string, string>> = {
  m: "makes ^ and $ match at every line, so one matching line lets the rest of the value through",
  g: "makes matching stateful (lastIndex)",
  y: "makes matching stateful (lastIndex)",
  v: "changes the class syntax, which the linear-time matcher does not read",
};

// One control character (C0, DEL, C1), or a line/paragraph separator.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function sourceAndFlags(validation: RegExp | string): { source: string; flags: string } {
  return typeof validation === "string" ? { source: validation, flags: "" } : { source: validation.source, flags: validation.flags };
}

/** Why `validation` cannot be used (for `validate`), or undefined when it can. */
export function patternProblem(validation: RegExp | string): string | undefined {
  if (validation === ANY) return undefined;
  const { source, flags } = sourceAndFlags(validation);
  for (const f of flags) {
    if (!(f in ALLOWED_FLAGS)) return `the ${f} flag ${FLAG_WHY[f] ?? "is not supported"}; remove it (the whole value must match)`;
  }
  try {
    new RegExp(source, flags);
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  try {
    compile(validation);
  } catch (err) {
    return `/${source}/ uses syntax that mcks's linear-time matcher (RE2) does not have, such as lookaround or backreferences: ${(err as Error).message}; rewrite it without`;
  }
  return undefined;
}

const compiled = new Map<string, RE2JS>();

function compile(validation: RegExp | string): RE2JS {
  const { source, flags } = sourceAndFlags(validation);
  const id = `${flags}/${source}`;
  let re = compiled.get(id);
  if (!re) {
    let bits = 0;
    for (const f of flags) bits |= ALLOWED_FLAGS[f] ?? 0;
    re = RE2JS.compile(source, bits);
    compiled.set(id, re);
  }
  return re;
}

/** Why `value` is refused (without the operator's validationMessage), or undefined when it passes. */
export function valueProblem(validation: RegExp | string, value: string): string | undefined {
  if (value.length > MAX_VALUE_LENGTH) return `it is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted`;
  if (CONTROL.test(value)) return "it contains a control character (a newline, tab or similar)";
  if (validation === ANY) return undefined;
  // matches(): the whole input, like ^(?:…)$ without the m flag.
  return compile(validation).matches(value) ? undefined : NO_MATCH;
}
