/**
 * `npm run testbed -- down`: stops exactly the processes recorded in `.testbed/pids.json`
 * (agents, schedulers and controller-managers, then API servers, then etcd) and wipes etcd's data
 * so the next `up` starts clean.
 * Certificates and tokens are kept (making them again costs time and changes nothing).
 */
import { rmSync } from "node:fs";
import * as L from "./layout.ts";
import { withLock } from "./lock.ts";
import { isOurs, stopProcess } from "./processes.ts";
import { readPids, writePids } from "./state.ts";

const order = (key: string): number => (key.startsWith("apiserver-") ? 1 : key === "etcd" ? 2 : 0);

export function down(log: (line: string) => void = console.log): Promise<{ stopped: string[] }> {
  return withLock(async () => {
    const pids = readPids();
    const stopped: string[] = [];
    const keys = Object.keys(pids).sort((a, b) => order(a) - order(b));
    for (const phase of [0, 1, 2]) {
      await Promise.all(
        keys
          .filter((k) => order(k) === phase)
          .map(async (k) => {
            const rec = pids[k]!;
            if (isOurs(rec)) {
              await stopProcess(rec);
              stopped.push(`${k} (pid ${rec.pid})`);
            }
            delete pids[k];
            writePids(pids);
          }),
      );
    }
    rmSync(L.etcdDataDir, { recursive: true, force: true });
    rmSync(L.clustersJsonPath, { force: true });
    rmSync(L.kubeconfigPath, { force: true });
    rmSync(L.pidsJsonPath, { force: true });
    log(stopped.length ? `stopped: ${stopped.join(", ")}` : "nothing of the test bed was running");
    return { stopped };
  });
}
