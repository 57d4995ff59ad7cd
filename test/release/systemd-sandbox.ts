/**
 * A throwaway systemd (Debian's systemd 252, the real PID 1 program) booted in new PID, mount
 * and cgroup namespaces, so a test can start a unit file exactly as a VM would run it, sandbox
 * directives included, without touching this machine:
 *   - /etc, /usr/local and /var are overlays whose writes vanish with the namespace; /run is a
 *     fresh tmpfs (a unit's User= is added to the overlay's /etc/passwd);
 *   - systemd sees only the given units plus empty stand-ins for the targets a service depends
 *     on by default (sysinit.target, basic.target…), so it boots in a second and starts nothing
 *     else;
 *   - its cgroups live under a cgroup of our own (cgroup namespace), removed on close().
 * Needs root with CAP_SYS_ADMIN (unshare, mount); `start` throws with the reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { tempDir } from "./fixture.ts";

const SYSTEMD = "/lib/systemd/systemd";
const CGROUP_ROOTS = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"];
/** What a service with default dependencies pulls in; empty here, so nothing else boots. */
const STAND_INS = ["sysinit.target", "basic.target", "sockets.target", "paths.target", "timers.target", "local-fs.target", "swap.target", "slices.target", "shutdown.target", "network.target", "network-online.target", "multi-user.target"];

export interface SandboxOptions {
  /** Unit file name (or drop-in, `x.service.d/y.conf`) → text. */
  readonly units: Readonly<Record<string, string>>;
  /** Absolute path inside the sandbox → a file on this machine to copy there (mode kept). */
  readonly files: Readonly<Record<string, string>>;
  /** System users to create (the units' User=). */
  readonly users: readonly string[];
  /** Units to start at boot. */
  readonly start: readonly string[];
}

export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Sandbox {
  /** Runs a command inside the sandbox's mount and PID namespaces (e.g. systemctl). */
  run(argv: readonly string[], opts?: { input?: string; timeoutMs?: number }): Result;
  /** The pid, as this machine sees it, of a unit's main process (0 when not running). */
  mainPid(unit: string): number;
  /** Waits until `check()` holds; throws with systemd's view of the units otherwise. */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function bootSystemd(opts: SandboxOptions): Promise<Sandbox> {
  if (!existsSync(SYSTEMD)) throw new Error(`${SYSTEMD} is missing: install Debian's systemd package (test/setup/systemd.sh)`);
  const dir = tempDir("mcks-systemd-");
  const units = join(dir, "units");
  mkdirSync(units);
  for (const t of STAND_INS) writeFileSync(join(units, t), `[Unit]\nDescription=${t} (empty stand-in)\n`);
  writeFileSync(join(units, "sandbox.target"), `[Unit]\nDescription=what the test starts\nWants=${opts.start.join(" ")}\n`);
  for (const [name, text] of Object.entries(opts.units)) {
    mkdirSync(dirname(join(units, name)), { recursive: true });
    writeFileSync(join(units, name), text);
  }
  for (const d of ["etc", "usr-local", "var"]) for (const s of ["upper", "work"]) mkdirSync(join(dir, `${d}-${s}`));

  const copies = Object.entries(opts.files)
    .map(([to, from]) => `mkdir -p ${q(dirname(to))} && cp -p ${q(from)} ${q(to)}`)
    .join("\n");
  const cgroup = `mcks-test-${process.pid}-${Date.now()}`;
  writeFileSync(
    join(dir, "init.sh"),
    `set -eu
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/etc-upper,workdir=${dir}/etc-work /etc
mount -t overlay overlay -o lowerdir=/usr/local,upperdir=${dir}/usr-local-upper,workdir=${dir}/usr-local-work /usr/local
mount -t overlay overlay -o lowerdir=/var,upperdir=${dir}/var-upper,workdir=${dir}/var-work /var
# The cgroup namespace's root is the cgroup we moved into: systemd's cgroups stay beneath it.
mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup
mkdir /sys/fs/cgroup/unified /sys/fs/cgroup/systemd
mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
${opts.users.map((u) => `useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${q(u)}`).join("\n")}
${copies}
export SYSTEMD_UNIT_PATH=${q(units)}
exec ${SYSTEMD} --system --unit=sandbox.target --log-target=console --log-level=notice </dev/null
`,
  );
  writeFileSync(
    join(dir, "outer.sh"),
    `set -eu
for root in ${CGROUP_ROOTS.join(" ")}; do mkdir "$root/${cgroup}"; echo $$ > "$root/${cgroup}/cgroup.procs"; done
exec unshare --pid --fork --kill-child --mount --mount-proc --cgroup bash ${q(join(dir, "init.sh"))}
`,
  );
  const child = spawn("bash", [join(dir, "outer.sh")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (b: Buffer) => (log += b.toString()));
  child.stderr.on("data", (b: Buffer) => (log += b.toString()));

  // PID 1 of the namespace, as this machine sees it: the systemd process in our cgroup.
  let init = 0;
  const deadline = Date.now() + 30_000;
  while (!init) {
    const failed =
      child.exitCode !== null ? `systemd could not boot in a namespace (exit ${child.exitCode})` : Date.now() > deadline ? "systemd did not boot within 30 s" : "";
    if (failed) {
      child.kill("SIGKILL");
      for (const root of CGROUP_ROOTS) removeCgroupTree(join(root, cgroup));
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${failed}:\n${log}`);
    }
    init = pidsIn(cgroup).find((p) => commOf(p) === "systemd") ?? 0;
    await sleep(100);
  }

  const run = (argv: readonly string[], o: { input?: string; timeoutMs?: number } = {}): Result => {
    const r = spawnSync("nsenter", ["-t", String(init), "-m", "-p", "--", ...argv], { input: o.input, encoding: "utf8", timeout: o.timeoutMs ?? 30_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
  };
  const sandbox: Sandbox = {
    run,
    mainPid(unit) {
      // systemctl answers with the pid inside the namespace; ours is found through NSpid.
      const inner = Number(run(["systemctl", "show", "-P", "MainPID", unit]).stdout.trim());
      if (!inner) return 0;
      return pidsIn(cgroup).find((p) => nsPid(p) === inner) ?? 0;
    },
    async waitFor(what, check, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (check()) return;
        await sleep(250);
      }
      const status = run(["systemctl", "status", "--no-pager", "--full", ...opts.start]).stdout;
      throw new Error(`${what}: not within ${timeoutMs / 1000} s.\n${status}\nsystemd's console:\n${log}`);
    },
    async close() {
      // Killing PID 1 of the namespace kills everything in it; then the cgroups are empty.
      try {
        process.kill(init, "SIGKILL");
      } catch {
        // already gone
      }
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child as ChildProcess).once("exit", () => resolve())));
      for (let i = 0; i < 50 && pidsIn(cgroup).length > 0; i++) await sleep(100);
      for (const root of CGROUP_ROOTS) removeCgroupTree(join(root, cgroup));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sandbox;
}

function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function pidsIn(cgroup: string): number[] {
  const out = new Set<number>();
  const visit = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === "cgroup.procs") {
        for (const line of readFileText(p).split("\n")) if (line) out.add(Number(line));
      } else if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) visit(p);
    }
  };
  visit(join(CGROUP_ROOTS[1]!, cgroup));
  return [...out];
}

function readFileText(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return ""; // a process that just exited
  }
}

function commOf(pid: number): string {
  return readFileText(`/proc/${pid}/comm`).trim();
}

/** The innermost pid of `pid` (its number inside the sandbox's PID namespace). */
function nsPid(pid: number): number {
  const line = /^NSpid:\s*(.*)$/m.exec(readFileText(`/proc/${pid}/status`))?.[1] ?? "";
  return Number(line.trim().split(/\s+/).pop() ?? 0);
}

function removeCgroupTree(d: string): void {
  if (!existsSync(d)) return;
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) removeCgroupTree(p);
  }
  rmdirSync(d);
}
