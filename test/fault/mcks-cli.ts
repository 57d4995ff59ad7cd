/**
 * Runs the product binary (dist/mcks as npm test builds it; MCKS_BIN overrides) as a command,
 * for the attack tests that need no daemon.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "../..");

export function mcksBin(): string {
  const bin = process.env.MCKS_BIN ?? join(root, "dist/mcks");
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run npm run build (these tests run the product binary)`);
  return bin;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function mcks(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(mcksBin(), args, { encoding: "utf8", env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
