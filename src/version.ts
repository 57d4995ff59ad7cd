/** Replaced at build time by esbuild's `define` (build/bundle.ts); absent when run from source. */
declare const __MCKS_VERSION__: string | undefined;
declare const __MCKS_COMMIT__: string | undefined;

export const VERSION: string =
  typeof __MCKS_VERSION__ === "string" ? __MCKS_VERSION__ : "0.1.0-dev";

/** The git commit the binary was built from (12 hex digits, `-dirty` when the tree had changes), or undefined from source. */
export const COMMIT: string | undefined = typeof __MCKS_COMMIT__ === "string" ? __MCKS_COMMIT__ : undefined;

/** What `mcks --version` prints: `0.1.0 (commit 23886bc1f2a3)`. */
export const VERSION_LINE = `${VERSION} (${COMMIT === undefined ? "run from source" : `commit ${COMMIT}`})`;
