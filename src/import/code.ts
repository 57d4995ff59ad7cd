/**
 * The generated config is plain data plus a few functions. `Code` marks a value that is
 * TypeScript source rather than data; `printTs` (print.ts) writes it as is.
 */
export class Code {
  /** Source text, or a function of the indentation depth for code that wraps printed data. */
  readonly text: string | ((depth: number) => string);
  constructor(text: string | ((depth: number) => string)) {
    this.text = text;
  }
}

/** A key `mcks import` could not carry over, and why (printed to stderr and atop config.ts). */
export interface Unmapped {
  /** Path in the values file, e.g. `singleuser.profileList[1].kubespawner_override.pod_name_template`. */
  readonly path: string;
  readonly reason: string;
}

export type Report = (path: string, reason: string) => void;
