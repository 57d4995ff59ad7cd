/**
 * The owner of a server's objects (docs/architecture.md "Object lifetimes"): every object that
 * does not outlive a stop carries an ownerReference to the server's Secret, so a DELETE of the
 * Secret lets the cluster's garbage collector remove the rest (the stop deletes the Pod, which it
 * waits for, itself: kube/delete.ts).
 *
 * Why the Secret and not the Pod: an ownerReference needs the owner's uid, known only once the
 * owner exists, and every other object must be written once (one request per object). The
 * Secret is the one object every server has that nothing else must precede; the Pod cannot be
 * created before its ServiceAccount (admission refuses it) and should not start before its
 * Secret (the kubelet backs off for 10 s on a missing secretKeyRef). So the Secret goes
 * first, alone, and everything after it is applied with the reference already in place.
 */
import { isClusterScoped } from "./kinds.ts";
import { LABEL_LIFETIME } from "./labels.ts";
import type { KubeObject } from "./types.ts";

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** The owner's kind. Its name is the server's key. */
export const OWNER_KIND = { apiVersion: "v1", kind: "Secret" } as const;

/** The server's owner: its built-in Secret, named by the key. */
export function isServerOwner(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, key: string): boolean {
  return (obj.apiVersion ?? "v1") === OWNER_KIND.apiVersion && obj.kind === OWNER_KIND.kind && obj.metadata.name === key;
}

/**
 * Whether `obj` goes with the owner: it does not outlive a stop, and it lives in the owner's
 * namespace. The garbage collector treats a reference to an owner in another namespace as a
 * missing owner (it would delete the object at once) and ignores one from a cluster-scoped
 * object, so those objects carry none and stop deletes them by name.
 */
export function goesWithOwner(obj: Pick<KubeObject, "kind" | "metadata">, ownerNamespace: string): boolean {
  return obj.metadata.labels?.[LABEL_LIFETIME] !== "user" && !isClusterScoped(obj.kind) && obj.metadata.namespace === ownerNamespace;
}

/** A copy of `obj` with a reference to `owner` added to those it already has. */
export function withOwner(obj: KubeObject, owner: OwnerReference): KubeObject {
  const existing = (obj.metadata.ownerReferences as readonly OwnerReference[] | undefined) ?? [];
  if (existing.some((r) => r.uid === owner.uid)) return obj;
  const ref = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid };
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...existing, ref] } };
}

/** The uid of the server owner an object's metadata references, if it does. */
export function ownerUidOf(meta: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const refs = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as Partial<OwnerReference>[]) : [];
  return refs.find((r) => r.apiVersion === OWNER_KIND.apiVersion && r.kind === OWNER_KIND.kind && r.name === key)?.uid;
}
