/**
 * Whether a file or folder mcks trusts (code it runs, a kubeconfig whose `exec` it runs and
 * whose server it sends credentials to) can be changed by someone other than the current user
 * or root. Like ssh's StrictModes: the path itself must be owned by an allowed owner and not
 * writable by group or others, and so must every folder above it, except that a folder with
 * the sticky bit (like /tmp) may be writable by others, since they cannot rename our entries.
 * Both the path as given (its symlinks must be ours or root's) and its real path are checked.
 */
import { lstatSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

export type Owners = "me" | "me-or-root";

export const currentUid = (): number => process.getuid?.() ?? 0;

const mode = (m: number): string => (m & 0o7777).toString(8);

function chainReason(path: string, owners: Owners, me: number): string | undefined {
  const leaf = lstatSync(path);
  const leafOk = leaf.uid === me || (owners === "me-or-root" && leaf.uid === 0);
  if (!leafOk) return `${path} is owned by uid ${leaf.uid}, not by the current user (uid ${me})${owners === "me-or-root" ? " or root" : ""}`;
  if (!leaf.isSymbolicLink() && leaf.mode & WRITABLE_BY_OTHERS) return `${path} is writable by group or others (mode ${mode(leaf.mode)})`;
  for (let d = dirname(path); ; d = dirname(d)) {
    const st = lstatSync(d);
    if (st.uid !== me && st.uid !== 0) return `${d} is owned by uid ${st.uid}, neither the current user nor root`;
    if (!st.isSymbolicLink() && st.mode & WRITABLE_BY_OTHERS && !(st.mode & STICKY)) {
      return `${d} is writable by group or others without the sticky bit (mode ${mode(st.mode)})`;
    }
    if (d === dirname(d)) return undefined;
  }
}

/**
 * Why someone else could change `path`, or undefined when only the allowed owners can.
 * Throws the fs error when the path does not exist.
 */
export function untrustedReason(path: string, owners: Owners, me = currentUid()): string | undefined {
  const abs = resolve(path);
  const real = realpathSync(abs);
  return chainReason(abs, owners, me) ?? (real === abs ? undefined : chainReason(real, owners, me));
}
