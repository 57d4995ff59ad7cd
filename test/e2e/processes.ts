/**
 * Child processes of the hub E2E: started with their output in a log file, waited for by a
 * readiness probe, stopped by their own pid. A process that exits before it is ready fails the
 * caller with the end of its log, so a part that cannot start is never a silent skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

// Whatever a test started must not outlive it, even when the test runner ends it early: SIGTERM
// lets JupyterHub stop the proxy it started.
const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of alive) c.kill("SIGTERM");
});

export function start(name: string, cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }): Running {
  const fd = openSync(opts.log, "a");
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  alive.add(child);
  child.once("exit", () => alive.delete(child));
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (err) => resolve(`spawn error: ${err.message}`));
  });
  return { name, child, log: opts.log, exited };
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `ready()` until it is true; throws with the log's end if the process exits or time runs out. */
export async function waitReady(p: Running, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone: number | string | undefined;
  void p.exited.then((c) => (gone = c));
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`${p.name} exited (${gone}) before it was ready; ${p.log}:\n${tail(p.log)}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${p.name} was not ready within ${timeoutMs / 1000} s; ${p.log}:\n${tail(p.log)}`);
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
export async function stop(p: Running, signal: NodeJS.Signals = "SIGTERM", graceMs = 30_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export function unixSocketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Whether `url` answers 200 (a proxy without its routes yet answers 404). */
export async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await r.body?.cancel();
  return r.status === 200;
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
