/**
 * A bed cluster's API server lost and restored, for the tests of what mcks does meanwhile
 * (test/fault/apiserver-loss.test.ts, test/e2e/cluster-health.test.ts): SIGKILL, as a crash or
 * a lost machine; restored as `npm run testbed -- up` does.
 */
import { up } from "../testbed/up.ts";
import { readPids } from "../testbed/state.ts";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function apiServerRunning(index: number): boolean {
  const rec = readPids()[`apiserver-${index}`];
  return rec !== undefined && alive(rec.pid);
}

/** SIGKILLs the API server of cluster `testbed-<index>`; throws if it was not running. */
export function killApiServer(index: number): void {
  const rec = readPids()[`apiserver-${index}`];
  if (!rec || !alive(rec.pid)) throw new Error(`apiserver-${index} of the bed is not running`);
  process.kill(rec.pid, "SIGKILL");
}

/** Brings back whatever of the bed is down (the next tests need it). */
export async function restoreBed(clusters = Number(process.env.MCKS_FAULT_BED_CLUSTERS ?? 3)): Promise<void> {
  await up({ clusters, log: (l) => console.error(`[testbed] ${l}`) });
}
