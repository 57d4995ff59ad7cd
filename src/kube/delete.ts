/**
 * Taking a server down, two ways:
 *
 * - `stopServer` (`server.stop`, a failed start, an orphan): a DELETE of the server's owner
 *   (objects/owner.ts) and one of its Pod, by name; the cluster's garbage collector removes the
 *   rest, and the shared watch says when the Pod is gone. Only objects that cannot reference the
 *   owner (another namespace, cluster-scoped, or applied by an mcks without owners) are deleted
 *   by name too. No listing: what it needs comes from the start's record and the watch cache.
 * - `deleteServerObjects` (`server.delete`, and a stop that knows too little): every object
 *   carrying the server's key label, across the kinds mcks applies (built-ins plus the operator
 *   kinds the caller names), found with one list per kind, keeping those marked
 *   `mcks.hub.jupyter.org/lifetime: user` unless `includePersistent`, then waits until gone.
 *
 * Each object is deleted with a uid precondition when its uid is known, so a stop racing a new
 * start never deletes the newer object of the same name. Pods are awaited through the shared
 * watch; the rare other object held by a finalizer gets one short watch of its own.
 */
import { UserError } from "../errors.ts";
import { builtinType, serverKinds, type KindRef, type ResourceType } from "../objects/kinds.ts";
import { keySelector, LABEL_LIFETIME } from "../objects/labels.ts";
import { OWNER_KIND } from "../objects/owner.ts";
import type { ObjectRef } from "../objects/types.ts";
import type { KubeClient } from "./clients.ts";
import type { KubeCluster } from "./cluster.ts";
import { KubeApiError } from "./errors.ts";
import type { ObjectMeta } from "./informer.ts";
import { listByLabel, type ListedObject } from "./list.ts";
import { collectionPath, objectPath } from "./resources.ts";
import type { PodRef } from "./watch.ts";

export interface DeleteOptions {
  /** Also delete objects marked to outlive the server (`server.delete`). Default false. */
  readonly includePersistent?: boolean;
  /** 0 = now (`server.stop` with `now`); default: each object's own grace period. */
  readonly gracePeriodSeconds?: number;
  /** Operator resource kinds the profile may create, besides the built-in ones. */
  readonly extraKinds?: readonly KindRef[];
  readonly signal?: AbortSignal;
  /** How long to wait for everything to be gone. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface DeletedObject {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
}

/** What a stop knows of a server without asking its cluster (the start's trace, recovery). */
export interface StopFacts {
  /** The owner's uid as applied; otherwise the one its Pod references (watch cache), or none (delete by name). */
  readonly ownerUid?: string | undefined;
  /** The Pod as applied, when the watch may not have seen it yet (a start cancelled just after it). */
  readonly pod?: ObjectRef | undefined;
  /**
   * Objects of the server that do not go with the owner, deleted by name. `undefined` when not
   * known (a start interrupted mid-request, a server adopted by a poll): the stop then finds the
   * server's objects by label, as `deleteServerObjects` does.
   */
  readonly unowned: readonly ObjectRef[] | undefined;
}

export interface StopTarget extends StopFacts {
  /** Undefined when not known: every namespace is searched, by label. */
  readonly namespace: string | undefined;
  readonly key: string;
}

interface DeleteAnswer {
  kind?: string;
  metadata?: ObjectMeta;
}

/** The label selector for a server's objects, without the persistent ones unless asked. */
export function deleteSelector(key: string, includePersistent: boolean): string {
  return includePersistent ? keySelector(key) : `${keySelector(key)},${LABEL_LIFETIME}!=user`;
}

/**
 * Delete a server's objects on one cluster and wait until they are gone. `namespace`
 * undefined searches all namespaces. Idempotent: nothing left is not an error.
 * Returns what was deleted.
 */
export async function deleteServerObjects(
  cluster: KubeCluster,
  namespace: string | undefined,
  key: string,
  opts: DeleteOptions = {},
): Promise<DeletedObject[]> {
  const { client, watch } = cluster;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const selector = deleteSelector(key, !!opts.includePersistent);
  // Secrets are never listed (that would read every Secret of the namespace): one
  // deletecollection by label removes this server's, and no Secret has a finalizer to wait for.
  const kinds = serverKinds(opts.extraKinds).filter((k) => !isSecretKind(k));
  const [found, secrets] = await Promise.all([listByLabel(client, kinds, namespace, selector, opts.signal), deleteSecrets(client, namespace, selector, opts)]);
  const results = await Promise.all(found.map((o) => deleteOne(client, o, opts)));

  const pods: PodRef[] = [];
  const others: { o: ListedObject; rv: string }[] = [];
  results.forEach((r, i) => {
    const o = found[i] as ListedObject;
    if (r.state !== "terminating") return;
    if (o.type.kind === "Pod" && o.type.apiVersion === "v1") {
      pods.push({ namespace: o.metadata.namespace ?? "", name: o.metadata.name, uid: o.metadata.uid ?? "" });
    } else {
      others.push({ o, rv: r.resourceVersion });
    }
  });
  const remaining = () => Math.max(1, deadline - Date.now());
  await Promise.all([
    watch.waitPodsGone(pods, { signal: opts.signal, timeoutMs: remaining() }),
    ...others.map(({ o, rv }) => waitObjectGone(client, o, rv, deadline, opts.signal)),
  ]);
  return [
    ...found
      .filter((_, i) => results[i]?.state !== "skipped")
      .map((o) => ({ kind: o.type.kind, namespace: o.metadata.namespace, name: o.metadata.name, uid: o.metadata.uid ?? "" })),
    ...secrets,
  ];
}

export const isSecretKind = (k: KindRef): boolean => k.kind === "Secret" && k.apiVersion === "v1";

/** Delete the Secrets matching `selector` in `namespace` (every namespace of them, when undefined, one by one). */
async function deleteSecrets(client: KubeClient, namespace: string | undefined, selector: string, opts: DeleteOptions): Promise<DeletedObject[]> {
  if (namespace === undefined) return [];
  const answer = await client.http.json<{ items?: { metadata?: ObjectMeta }[] }>({
    method: "DELETE",
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    query: { labelSelector: selector },
    body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background", gracePeriodSeconds: opts.gracePeriodSeconds },
    signal: opts.signal,
  });
  // Only names and uids are kept: the answer holds the deleted Secrets' data too.
  return (answer?.items ?? []).map((i) => ({ kind: "Secret", namespace, name: i.metadata?.name ?? "", uid: i.metadata?.uid ?? "" }));
}

/**
 * Stop a server on one cluster: DELETE its owner (background propagation: the garbage collector
 * removes the dependents) and its Pod, in parallel, and the objects that cannot reference the
 * owner; then wait until the Pod is gone (the shared watch) and the others are. Idempotent.
 *
 * Why the Pod by name although it references the owner: the stop waits for the Pod, and the
 * collector works through one queue for the whole cluster at its client's rate (the
 * controller-manager's default is 20 requests/s), so 200 stops at once waited 41 s for it on the
 * bed (KubeSpawner, deleting its Pod, 6 s). Deleting it ourselves costs the API server nothing
 * more (the collector's DELETE of the Pod is replaced by ours) and gives the Pod's own grace
 * period; the Service, Ingress… are not waited for and go with the owner.
 * `includePersistent`, an unsynced watch or unknown `unowned` take the listing way.
 */
export async function stopServer(cluster: KubeCluster, target: StopTarget, opts: DeleteOptions = {}): Promise<DeletedObject[]> {
  const { client, watch } = cluster;
  const { namespace, key } = target;
  if (opts.includePersistent || namespace === undefined || target.unowned === undefined || !watch.synced) {
    return deleteServerObjects(cluster, namespace, key, opts);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const cached = watch.get(key, namespace);
  const pod: PodRef | undefined = cached ? { namespace, name: cached.podName, uid: cached.uid } : target.pod && { namespace, name: target.pod.name, uid: target.pod.uid };
  const ownerUid = target.ownerUid || cached?.ownerUid;
  const listed = (ref: Pick<ObjectRef, "namespace" | "name" | "uid">, type: ResourceType): ListedObject => ({
    type,
    metadata: { name: ref.name, namespace: ref.namespace, ...(ref.uid ? { uid: ref.uid } : {}) },
  });
  const ownerType = builtinType(OWNER_KIND.apiVersion, OWNER_KIND.kind) as ResourceType;
  const targets: ListedObject[] = [listed({ namespace, name: key, uid: ownerUid ?? "" }, ownerType)];
  if (pod) targets.push(listed(pod, builtinType("v1", "Pod") as ResourceType));
  for (const o of target.unowned) targets.push(listed(o, await client.resources.resolve(o.apiVersion, o.kind)));

  const results = await Promise.all(targets.map((o) => deleteOne(client, o, opts)));
  const others: { o: ListedObject; rv: string }[] = [];
  results.forEach((r, i) => {
    const o = targets[i] as ListedObject;
    if (r.state === "terminating" && o.type.kind !== "Pod") others.push({ o, rv: r.resourceVersion });
  });
  const remaining = () => Math.max(1, deadline - Date.now());
  await Promise.all([
    watch.waitPodsGone(pod ? [pod] : [], { signal: opts.signal, timeoutMs: remaining() }),
    ...others.map(({ o, rv }) => waitObjectGone(client, o, rv, deadline, opts.signal)),
  ]);
  return targets
    .filter((_, i) => results[i]?.state !== "skipped")
    .map((o) => ({ kind: o.type.kind, namespace: o.metadata.namespace, name: o.metadata.name, uid: o.metadata.uid ?? "" }));
}

type DeleteResult = { state: "gone" | "skipped" } | { state: "terminating"; resourceVersion: string };

async function deleteOne(client: KubeClient, o: ListedObject, opts: DeleteOptions): Promise<DeleteResult> {
  try {
    const answer = await client.http.json<DeleteAnswer>({
      method: "DELETE",
      path: objectPath(o.type, o.metadata.namespace, o.metadata.name),
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: "Background",
        gracePeriodSeconds: opts.gracePeriodSeconds,
        preconditions: o.metadata.uid ? { uid: o.metadata.uid } : undefined,
      },
      signal: opts.signal,
    });
    // A `Status` answer means the object is gone; the object itself means it is terminating.
    if (answer?.kind !== "Status" && answer?.metadata?.deletionTimestamp) {
      return { state: "terminating", resourceVersion: answer.metadata.resourceVersion ?? "" };
    }
    return { state: "gone" };
  } catch (err) {
    if (err instanceof KubeApiError && err.status.code === 404) return { state: "gone" };
    // 409: the uid precondition failed, a new object took the name: not ours to delete.
    if (err instanceof KubeApiError && err.status.code === 409) return { state: "skipped" };
    if (err instanceof KubeApiError) {
      throw new KubeApiError(`${o.type.kind}/${o.metadata.name}: ${err.status.message}`, err.status, { cause: err });
    }
    throw err;
  }
}

/** Watch one object (held by a finalizer) until its DELETED event, within the deadline. */
async function waitObjectGone(client: KubeClient, o: ListedObject, rv: string, deadline: number, signal?: AbortSignal): Promise<void> {
  const type: ResourceType = o.type;
  let from = rv;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    let gone = false;
    const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    try {
      await client.http.stream(
        {
          method: "GET",
          path: collectionPath(type, o.metadata.namespace),
          query: { fieldSelector: `metadata.name=${o.metadata.name}`, watch: 1, resourceVersion: from, timeoutSeconds: seconds },
          signal,
          timeoutMs: (seconds + 10) * 1000,
        },
        (line) => {
          const ev = JSON.parse(line) as { type: string; object: { metadata?: ObjectMeta; code?: number } };
          if (ev.object.metadata?.resourceVersion) from = ev.object.metadata.resourceVersion;
          if (ev.type === "DELETED" && ev.object.metadata?.uid === o.metadata.uid) gone = true;
          if (ev.type === "ERROR") throw new Error(`watch ${type.kind}/${o.metadata.name}: ${JSON.stringify(ev.object)}`);
          if (gone) throw new GoneMarker();
        },
      );
    } catch (err) {
      if (!(err instanceof GoneMarker)) {
        // Watch trouble (410 Gone, or no right to watch this kind: mcks's least RBAC grants
        // watch on Pods only): one GET settles it; otherwise ask again in a second.
        if (await absent(client, o)) return;
        if (signal?.aborted) throw signal.reason;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
    }
    if (gone || (await absent(client, o))) return;
  }
  throw new UserError(
    `${type.kind}/${o.metadata.name} is still terminating (finalizers: ${(o.metadata as { finalizers?: string[] }).finalizers?.join(", ") || "?"}); the cluster has not finished deleting it`,
  );
}

class GoneMarker extends Error {}

async function absent(client: KubeClient, o: ListedObject): Promise<boolean> {
  try {
    const live = await client.http.json<{ metadata?: ObjectMeta }>({ method: "GET", path: objectPath(o.type, o.metadata.namespace, o.metadata.name) });
    return live.metadata?.uid !== o.metadata.uid;
  } catch (err) {
    if (err instanceof KubeApiError && err.status.code === 404) return true;
    throw err;
  }
}
