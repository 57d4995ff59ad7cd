/**
 * Runs the product binary (dist/mcks as npm test builds it; MCKS_BIN overrides) as a command,
 * for the attack tests that need no daemon.
 */
import { spawn, spawnSync } from "node:child_process";
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

/** Like mcks(), without blocking this process (for tests that serve something the command calls). */
export function mcksAsync(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(mcksBin(), args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
