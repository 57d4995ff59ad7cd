#!/usr/bin/env node
import { run } from "cmd-ts";
import { cli } from "./cli/index.ts";
import { formatError } from "./errors.ts";

// No top-level await: the binary's bundle is CommonJS (Node SEA requires it).
run(cli, process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${formatError(err)}\n`);
  process.exitCode = 1;
});
