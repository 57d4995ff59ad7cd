import { UserError } from "../errors.ts";

/** `["a=1", "b=x=y"]` → `{a: "1", b: "x=y"}`; `what` names the flag in the error. */
export function keyValues(pairs: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i <= 0) throw new UserError(`${what} "${p}" is not of the form key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
