/**
 * A fresh Python venv with JupyterHub, as an operator's hub would have, plus the given packages
 * (a wheel path, or a PyPI requirement such as upstream's spawner). Versions that
 * hub/requirements.txt pins are taken as pip constraints: only JupyterHub and what it needs get
 * installed, at the versions the rest of the suite runs, from pip's cache when it has them.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../build/paths.ts";

const PYTHON = process.env.PYTHON ?? "python3";
const CONSTRAINTS = join(ROOT, "hub/requirements.txt");

function check(what: string, r: ReturnType<typeof spawnSync>): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${String(r.stdout)}${String(r.stderr)}`);
  return String(r.stdout);
}

export function pip(venv: string, args: readonly string[]): string {
  return check(
    `pip ${args.join(" ")}`,
    spawnSync(join(venv, "bin/python"), ["-m", "pip", "--disable-pip-version-check", "--no-input", ...args], { encoding: "utf8", timeout: 600_000 }),
  );
}

export function freshHubVenv(venv: string, packages: readonly string[]): string {
  check(`${PYTHON} -m venv ${venv}`, spawnSync(PYTHON, ["-m", "venv", venv], { encoding: "utf8", timeout: 120_000 }));
  // --no-compile: Python compiles what it imports anyway; compiling all of JupyterHub up front costs seconds.
  pip(venv, ["install", "--quiet", "--no-compile", "--constraint", CONSTRAINTS, "jupyterhub", ...packages]);
  return venv;
}

export function python(venv: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  return check(`python ${args.join(" ").slice(0, 60)}`, spawnSync(join(venv, "bin/python"), args, { cwd: opts.cwd, env: opts.env ?? { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 120_000 }));
}
