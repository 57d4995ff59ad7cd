/**
 * A container backed by a real process (an `--images` entry): started with the pod's resolved
 * environment, stdout/stderr appended to `<log-dir>/<namespace>_<pod>_<container>.log`, ready
 * once its port accepts TCP connections (like a tcpSocket readiness probe).
 */
import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repoRoot } from "./images.ts";
import type { ImageProcess } from "./images.ts";
import type { Exit, RunningServer, ServerContext } from "./server.ts";

function portOpen(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export function startProcessServer(ctx: ServerContext, spec: ImageProcess, logDir: string): RunningServer {
  const port = ctx.ports[0]!;
  const base = `${ctx.namespace}_${ctx.pod}_${ctx.container}`;
  const home = resolve(logDir, `${base}.home`);
  mkdirSync(home, { recursive: true });
  const prefix = ctx.env.get("JUPYTERHUB_SERVICE_PREFIX") ?? "/";
  const subst = (s: string) =>
    s
      .replaceAll("{ip}", ctx.ip)
      .replaceAll("{port}", String(port))
      .replaceAll("{prefix}", prefix)
      .replaceAll("{pod}", ctx.pod)
      .replaceAll("{namespace}", ctx.namespace)
      .replaceAll("{home}", home)
      .replaceAll("{node}", process.execPath)
      .replaceAll("{repo}", repoRoot);
  // A container starts from a clean environment: only what the image and the pod spec give it.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8" };
  for (const [k, v] of ctx.env) env[k] = v;
  for (const [k, v] of Object.entries(spec.env)) env[k] = subst(v);
  const [cmd, ...args] = spec.command.map(subst);
  const logFile = join(logDir, `${base}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(cmd!, args, { env, cwd: spec.cwd ?? home, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once("error", (err) => {
      done = true;
      resolve({ exitCode: 128, reason: `StartError: ${err.message}` });
    });
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ exitCode: code ?? 128 + 15, reason: code === 0 ? "Completed" : signal ? `Error (${signal})` : "Error" });
    });
  });
  const ready = (async () => {
    for (;;) {
      if (done) throw new Error(`process exited before listening on ${ctx.ip}:${port}; see ${logFile}`);
      if (await portOpen(ctx.ip, port)) return;
      await sleep(100);
    }
  })();
  ready.catch(() => undefined);
  return {
    ready,
    exited,
    async stop(graceMs) {
      if (done || child.pid === undefined) return;
      // The process group, so helpers the server started go too.
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          /* already gone */
        }
      };
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
