/** Replaced at build time by esbuild's `define`; read from package.json when run from source. */
declare const __MCKS_VERSION__: string | undefined;

export const VERSION: string =
  typeof __MCKS_VERSION__ === "string" ? __MCKS_VERSION__ : "0.1.0-dev";
