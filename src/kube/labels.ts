/**
 * The contract labels (DESIGN.md), as render/labels.ts defines them, under the names `kube/`
 * selects by: stop, garbage collection and startup recovery find a server's objects only
 * through these.
 */
import {
  LABEL_KEY,
  LABEL_LIFETIME,
  LABEL_MANAGED_BY,
  LABEL_SERVERNAME,
  LABEL_USERNAME,
  MANAGED_BY as MANAGED_BY_NAME,
} from "../render/labels.ts";

export const MANAGED_BY = LABEL_MANAGED_BY;
export const MANAGED_BY_VALUE = MANAGED_BY_NAME;
export const KEY_LABEL = LABEL_KEY;
export const USERNAME_LABEL = LABEL_USERNAME;
export const SERVERNAME_LABEL = LABEL_SERVERNAME;
/** `user` marks objects that outlive a stop (a home PVC); absent or `server` otherwise. */
export const LIFETIME_LABEL = LABEL_LIFETIME;

/**
 * Set on the Pod by `markStarted()` once the server was reported ready to the hub. A server
 * whose objects exist but whose Pod lacks it is a start that never completed (mcks crashed
 * mid-start): startup recovery deletes it.
 */
export const STARTED_AT_ANNOTATION = "mcks.hub.jupyter.org/started-at";

/** The field manager every server-side apply uses (DESIGN.md). */
export const FIELD_MANAGER = "multicluster-kubespawner";
/**
 * The start marker is written by a different manager, so that re-applying the server's
 * objects (a second start) never removes it: server-side apply only prunes the fields its
 * own manager owned.
 */
export const MARKER_FIELD_MANAGER = "multicluster-kubespawner-marker";

export const MANAGED_SELECTOR = `${MANAGED_BY}=${MANAGED_BY_VALUE}`;

export function keySelector(key: string): string {
  return `${MANAGED_SELECTOR},${KEY_LABEL}=${key}`;
}
