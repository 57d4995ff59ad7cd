/**
 * A lock file around `up`/`down`: test files run in parallel and each may call ensureBed(), and
 * two `up`s racing would both start an etcd on the same port.
 */
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../../src/errors.ts";
import { stateDir } from "./layout.ts";

const lockPath = join(stateDir, "lock");

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function withLock<T>(fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (!holderAlive()) {
        rmSync(lockPath, { force: true }); // the holder died without cleaning up
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`another test bed command has held ${lockPath} for too long; check it or delete the file`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
