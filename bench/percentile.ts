/** Nearest-rank percentile (p in 0..100) of unsorted numbers; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** VmRSS of a process in MiB, from /proc (what the kernel charges it, not a heap estimate). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 when it is gone.
 * `withChildren` adds its children that have exited and been waited for (e.g. kubectl processes).
 */
export async function cpuSeconds(pid: number, withChildren = false): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
    // utime + stime (+ cutime + cstime) in clock ticks (USER_HZ = 100)
    return (Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}
