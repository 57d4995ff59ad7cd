/**
 * Starting and stopping the bed's long-lived processes. They are detached (own process group,
 * output to a log file) so they outlive `npm run testbed -- up`; we recognise our own by pid plus
 * command line, never by name, so `down` cannot hit someone else's etcd.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { logDir } from "./layout.ts";
import type { ProcessRecord } from "./state.ts";

/** True when `rec.pid` is alive and still the process we started (not a reused pid). */
export function isOurs(rec: ProcessRecord | undefined): boolean {
  if (!rec) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${rec.pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return false;
  }
  // A zombie has an empty cmdline: dead for our purposes.
  return cmdline.includes(rec.exe) && cmdline.includes(rec.marker);
}

export function startDetached(name: string, exe: string, args: readonly string[], marker: string, env?: NodeJS.ProcessEnv, cwd?: string): ProcessRecord {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, "a");
  try {
    const child = spawn(exe, args, { detached: true, stdio: ["ignore", fd, fd], env: env ?? process.env, cwd });
    if (child.pid === undefined) throw new Error(`could not start ${exe}`);
    child.unref();
    return { pid: child.pid, exe, marker, log, startedAt: new Date().toISOString() };
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Returns once the process is gone. */
export async function stopProcess(rec: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isOurs(rec)) return;
  try {
    process.kill(rec.pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(rec)) return;
    await sleep(100);
  }
  try {
    process.kill(rec.pid, "SIGKILL");
  } catch {
    /* already gone */
  }
  while (isOurs(rec)) await sleep(50);
}

/** The last lines of a log, for error messages when something did not come up. */
export function tail(path: string, lines = 15): string[] {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines);
  } catch {
    return [`(no log at ${path})`];
  }
}

/** Resident memory of a pid in MiB (from /proc), or undefined when it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a pid has used, in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command (which may hold spaces) start after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/**
 * True when a TypeScript process (agent, controllers) runs older code than is on disk: any
 * .ts file under `dirs` changed after it started. `up` then restarts it, so tests never run
 * against stale code.
 */
export function staleCode(rec: ProcessRecord, dirsOrFiles: readonly string[]): boolean {
  const started = Date.parse(rec.startedAt);
  const newest = (p: string): number => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return 0;
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(0, ...readdirSync(p).filter((f) => f.endsWith(".ts") || !f.includes(".")).map((f) => newest(join(p, f))));
  };
  return Math.max(...dirsOrFiles.map(newest)) > started;
}
