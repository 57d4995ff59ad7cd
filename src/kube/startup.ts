/**
 * Startup recovery: what servers exist on the reachable clusters, and which of them are
 * starts that never completed (mcks died mid-start), so serve can delete those orphans.
 *
 * What tells them apart is written by nobody: a start whose Pod got past Pending (its
 * containers ran) had its server up while the daemon was waiting for it, and is the hub's to
 * stop (the hub stops every start that failed, the daemon's death included); a start that left
 * objects but no Pod, or a Pod still Pending, is incomplete. Objects marked `lifetime: user`
 * alone (a home PVC of a stopped server) are kept and are not incomplete.
 */
import { serverKinds, type KindRef } from "../objects/kinds.ts";
import { hubSelector, LABEL_KEY, LABEL_LIFETIME, LABEL_SERVERNAME, LABEL_USERNAME, ofHub } from "../objects/labels.ts";
import { ownerUidOf } from "../objects/owner.ts";
import type { ObjectRef } from "../objects/types.ts";
import type { KubeCluster } from "./cluster.ts";
import { isSecretKind, stopServer, type DeletedObject } from "./delete.ts";
import { listByLabel } from "./list.ts";
import type { ServerStatus } from "./pod-status.ts";

export interface ManagedObjectRef extends ObjectRef {
  /** Marked `lifetime: user`: survives a stop. */
  readonly persistent: boolean;
  /** metadata.creationTimestamp in ms (0 when unknown). */
  readonly createdAt: number;
  /** The uid of the server's owner it references, if any (objects/owner.ts). */
  readonly ownerUid: string | undefined;
}

export interface ManagedServer {
  readonly cluster: string;
  readonly namespace: string;
  readonly key: string;
  /** Escaped user/server names from the labels. */
  readonly username: string;
  readonly servername: string;
  readonly objects: readonly ManagedObjectRef[];
  /** The server's Pod as the shared watch sees it. */
  readonly pod: ServerStatus | undefined;
  /** Its Pod got past Pending: a completed start, the hub's to stop. */
  readonly started: boolean;
  /** The uid of its owner (the Secret named by the key), when it has one. */
  readonly ownerUid: string | undefined;
  /** Its objects that do not go with the owner: a stop deletes them by name (kube/delete.ts StopTarget). */
  readonly unowned: readonly ObjectRef[];
  /** Only objects that outlive a stop remain (nothing to clean up). */
  readonly persistentOnly: boolean;
  /** When the newest of its non-persistent objects was created (ms; 0 when unknown = old). */
  readonly createdAt: number;
}

export interface RecoveredState {
  /** Every server with objects on a reachable cluster (incomplete ones included). */
  readonly servers: readonly ManagedServer[];
  /** Starts that never completed: delete them (`cleanupIncomplete`). */
  readonly incomplete: readonly ManagedServer[];
  /** Clusters that could not be listed; their servers are unknown for now. */
  readonly unreachable: readonly { readonly cluster: string; readonly error: string }[];
}

export interface RecoverOptions {
  readonly extraKinds?: readonly KindRef[];
  /** Keys being started right now by this process: never incomplete. */
  readonly inFlight?: (cluster: string, key: string) => boolean;
  /** How long to wait for each cluster's watch to list its Pods. Default 15 s. */
  readonly syncTimeoutMs?: number;
}

async function recoverCluster(c: KubeCluster, opts: RecoverOptions): Promise<ManagedServer[]> {
  const timeoutMs = opts.syncTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the watch did not list pods within ${timeoutMs / 1000} s: ${c.watch.connection().lastError ?? "?"}`)), timeoutMs);
  });
  try {
    await Promise.race([c.watch.whenSynced(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  // Pods come from the shared watch's cache; the other kinds need one list each.
  // Secrets are not listed either: mcks may not read them (its least RBAC). A Secret a crash
  // left alone is overwritten by the user's next start and removed by its stop. The owner's
  // uid (the Secret's) is known from the references its dependents carry.
  const kinds = serverKinds(opts.extraKinds).filter((k) => !(k.kind === "Pod" && k.apiVersion === "v1") && !isSecretKind(k));
  // Another hub's objects (hubs sharing the cluster) are not ours to recover or remove.
  const listed = (await listByLabel(c.client, kinds, c.watch.namespace, hubSelector(c.watch.hubId))).filter((o) => ofHub(o.metadata.labels, c.watch.hubId));
  const groups = new Map<string, { namespace: string; key: string; username: string; servername: string; objects: ManagedObjectRef[] }>();
  const group = (namespace: string, labels: Record<string, string> | undefined) => {
    const key = labels?.[LABEL_KEY];
    if (!key) return undefined;
    const id = `${namespace}/${key}`;
    let g = groups.get(id);
    if (!g) {
      g = { namespace, key, username: labels?.[LABEL_USERNAME] ?? "", servername: labels?.[LABEL_SERVERNAME] ?? "", objects: [] };
      groups.set(id, g);
    }
    return g;
  };
  for (const o of listed) {
    const key = o.metadata.labels?.[LABEL_KEY] ?? "";
    group(o.metadata.namespace ?? "", o.metadata.labels)?.objects.push({
      apiVersion: o.type.apiVersion,
      kind: o.type.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
      uid: o.metadata.uid ?? "",
      persistent: o.metadata.labels?.[LABEL_LIFETIME] === "user",
      createdAt: Date.parse(String(o.metadata.creationTimestamp ?? "")) || 0,
      ownerUid: ownerUidOf(o.metadata, key),
    });
  }
  for (const s of c.watch.servers()) {
    // The Pod's time counts too: with pod-ip routing and no ServiceAccount of its own it is the
    // only object listed (Secrets are not), and an unknown age would read as an old start.
    group(s.namespace, { [LABEL_KEY]: s.key })?.objects.push({
      apiVersion: "v1",
      kind: "Pod",
      namespace: s.namespace,
      name: s.podName,
      uid: s.uid,
      persistent: false,
      createdAt: Date.parse(s.createdAt ?? "") || 0,
      ownerUid: s.ownerUid,
    });
  }
  return [...groups.values()].map((g) => {
    const podHere = c.watch.get(g.key, g.namespace);
    // Every dependent of a server references the same owner, the Secret named by the key in its namespace.
    const ownerUid = podHere?.ownerUid ?? g.objects.find((o) => !o.persistent && o.ownerUid)?.ownerUid;
    return {
      cluster: c.name,
      ...g,
      pod: podHere,
      started: podHere?.started === true,
      ownerUid,
      // The Pod is not among them: stop deletes it by name itself when it does not reference the owner.
      unowned: g.objects.filter((o) => o.kind !== "Pod" && !o.persistent && (ownerUid === undefined || o.ownerUid !== ownerUid)),
      persistentOnly: g.objects.every((o) => o.persistent),
      createdAt: Math.max(0, ...g.objects.filter((o) => !o.persistent).map((o) => o.createdAt)),
    };
  });
}

/** List managed objects on every cluster and sort out complete and incomplete servers. */
export async function recoverState(clusters: readonly KubeCluster[], opts: RecoverOptions = {}): Promise<RecoveredState> {
  const settled = await Promise.allSettled(clusters.map((c) => recoverCluster(c, opts)));
  const servers: ManagedServer[] = [];
  const unreachable: { cluster: string; error: string }[] = [];
  settled.forEach((r, i) => {
    const c = clusters[i] as KubeCluster;
    if (r.status === "fulfilled") servers.push(...r.value);
    else unreachable.push({ cluster: c.name, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  const incomplete = servers.filter((s) => !s.started && !s.persistentOnly && !(opts.inFlight?.(s.cluster, s.key) ?? false));
  return { servers, incomplete, unreachable };
}

/** Delete the objects of incomplete starts (persistent ones kept). */
export async function cleanupIncomplete(
  clusters: readonly KubeCluster[],
  state: RecoveredState,
  opts: { extraKinds?: readonly KindRef[]; timeoutMs?: number } = {},
): Promise<DeletedObject[]> {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const done = await Promise.all(
    state.incomplete.map((s) => {
      const c = byName.get(s.cluster);
      const target = { namespace: s.namespace, key: s.key, ownerUid: s.ownerUid, unowned: s.unowned };
      return c ? stopServer(c, target, { extraKinds: opts.extraKinds, timeoutMs: opts.timeoutMs, gracePeriodSeconds: 0 }) : [];
    }),
  );
  return done.flat();
}
