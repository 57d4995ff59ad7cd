/**
 * Entry of the opt-in snapshot build (`npm run build -- --snapshot`). Node runs this file at
 * build time, with every module of mcks initialised, and saves the heap into the SEA; the binary
 * then starts from that heap and only calls the function below. Same behaviour as src/main.ts
 * (keep the two in step), minus ~45 ms of module initialisation per start.
 *
 * Opt-in, not the default: Node does not yet vouch for node:vm, node:module and node:tty (which
 * the config loader and cmd-ts use) inside user snapshots, and any module that reads the
 * environment while initialising would see the build machine's, not the operator's.
 */
import { startupSnapshot } from "node:v8";
import { run } from "cmd-ts";
import { cli } from "../src/cli/index.ts";
import { formatError } from "../src/errors.ts";

startupSnapshot.setDeserializeMainFunction(() => {
  run(cli, process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${formatError(err)}\n`);
    process.exitCode = 1;
  });
});
