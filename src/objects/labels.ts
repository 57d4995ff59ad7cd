/**
 * The label contract (docs/architecture.md "Labels"): the labels and annotations every object
 * of a server carries. Stop, deletion, startup recovery and the poll select by them, so render,
 * patch, the preApply hooks and kube all take them from here.
 */
import { UserError } from "../errors.ts";
import { DEFAULT_HUB, serverKey } from "../names/safe-name.ts";
import type { KubeObject } from "./types.ts";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_USERNAME = "hub.jupyter.org/username";
export const LABEL_SERVERNAME = "hub.jupyter.org/servername";
export const LABEL_KEY = "mcks.hub.jupyter.org/key";
export const LABEL_LIFETIME = "mcks.hub.jupyter.org/lifetime";
/** Which hub (config `hubId`) the object belongs to; hubs sharing a cluster select only their own. */
export const LABEL_HUB = "mcks.hub.jupyter.org/hub";
/** Upstream's way to keep a resource across stops; accepted and turned into LABEL_LIFETIME. */
export const LEGACY_DELETE_ON_STOP = "delete-on-stop";
export const ANNOTATION_USERNAME = "hub.jupyter.org/username";
export const ANNOTATION_SERVERNAME = "hub.jupyter.org/servername";
export const MANAGED_BY = "multicluster-kubespawner";

/**
 * Marks an object kube creates when missing and otherwise leaves as the cluster holds it (the
 * home claim: Kubernetes refuses to change a claim's class or access modes or to shrink it,
 * and its data must survive a start with another storage setting, as KubeSpawner's does).
 */
export const ANNOTATION_CREATE_ONLY = "mcks.hub.jupyter.org/create-only";

/** `server`: deleted on stop. `user`: kept until the server/user is deleted (a home PVC). */
export type Lifetime = "server" | "user";

/** Contract labels whose values mcks owns; patches and resources cannot change them. */
export const OWNED_LABELS = [LABEL_MANAGED_BY, LABEL_HUB, LABEL_USERNAME, LABEL_SERVERNAME, LABEL_KEY] as const;
export const OWNED_ANNOTATIONS = [ANNOTATION_USERNAME, ANNOTATION_SERVERNAME] as const;

/** Every object mcks manages, on any cluster. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/**
 * Whether an object with these labels belongs to `hubId`. Objects made before hub ids existed
 * have no hub label: they are the default hub's.
 */
export function ofHub(labels: Readonly<Record<string, string>> | undefined, hubId: string): boolean {
  return (labels?.[LABEL_HUB] ?? DEFAULT_HUB) === hubId;
}

/** The selector of everything `hubId` manages; the default hub must also drop other hubs' objects (`ofHub`). */
export function hubSelector(hubId: string): string {
  return hubId === DEFAULT_HUB ? MANAGED_SELECTOR : `${MANAGED_SELECTOR},${LABEL_HUB}=${hubId}`;
}

/** The objects of one server (its key). */
export function keySelector(key: string): string {
  return `${MANAGED_SELECTOR},${LABEL_KEY}=${key}`;
}

export interface Identity {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The names of one server as the resolve stage made them (a SpawnContext has them all). */
export interface ServerNames {
  readonly key: string;
  readonly hubId: string;
  /** DNS-safe forms, as labels hold them. */
  readonly username: string;
  readonly servername: string;
  /** The raw names, as the hub knows them (annotations hold them). */
  readonly user: { readonly name: string };
  readonly server: { readonly name: string };
}

/** The identity labels of this server's objects. */
export function serverIdentity(names: ServerNames): Identity {
  return identity(names.hubId, names.key, names.username, names.servername, names.user.name, names.server.name);
}

/**
 * The identity of an object shared by all of a user's servers (a per-user namespace): the
 * user-level key (that of the default server) and no server name, so every server renders it
 * identically and stopping or deleting a named server never selects it.
 */
export function userIdentity(names: ServerNames): Identity {
  return identity(names.hubId, serverKey(names.user.name, "", names.hubId), names.username, "", names.user.name, "");
}

function identity(hubId: string, key: string, username: string, servername: string, rawUser: string, rawServer: string): Identity {
  return {
    labels: {
      [LABEL_MANAGED_BY]: MANAGED_BY,
      // The default hub's objects carry no hub label, as before hub ids existed (`ofHub`).
      ...(hubId === DEFAULT_HUB ? {} : { [LABEL_HUB]: hubId }),
      [LABEL_USERNAME]: username,
      [LABEL_SERVERNAME]: servername,
      [LABEL_KEY]: key,
    },
    annotations: {
      [ANNOTATION_USERNAME]: rawUser,
      [ANNOTATION_SERVERNAME]: rawServer,
    },
  };
}

/**
 * The lifetime an object asks for: our label, or upstream's `delete-on-stop: "false"`;
 * `fallback` otherwise. Any other value of our label is an operator mistake.
 */
export function lifetimeOf(obj: KubeObject, fallback: Lifetime): Lifetime {
  // unknown: a patch document may hold null (delete) where the type says string.
  const labels: Record<string, unknown> = obj.metadata.labels ?? {};
  const own = labels[LABEL_LIFETIME];
  if (own !== undefined && own !== null) {
    if (own === "user" || own === "server") return own;
    throw new UserError(`${obj.kind}/${obj.metadata.name} has label ${LABEL_LIFETIME}: ${JSON.stringify(own)}; use "user" (kept across stops) or "server" (deleted on stop)`);
  }
  const legacy = labels[LEGACY_DELETE_ON_STOP];
  if (legacy === "false" || legacy === false) return "user";
  return fallback;
}

/**
 * A copy of `obj` with the identity labels/annotations set (overwriting any other value)
 * and the lifetime label normalised. Other labels and annotations are kept.
 */
export function withIdentity(obj: KubeObject, id: Identity, lifetime: Lifetime): KubeObject {
  const labels: Record<string, string> = { ...obj.metadata.labels };
  delete labels[LEGACY_DELETE_ON_STOP];
  Object.assign(labels, id.labels, { [LABEL_LIFETIME]: lifetime });
  const annotations: Record<string, string> = { ...obj.metadata.annotations, ...id.annotations };
  return { ...obj, metadata: { ...obj.metadata, labels, annotations } };
}

/** The identity an object carries now (to re-assert it after a patch). */
export function identityOf(obj: KubeObject): Identity {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const k of OWNED_LABELS) {
    const v = obj.metadata.labels?.[k];
    if (v !== undefined) labels[k] = v;
  }
  for (const k of OWNED_ANNOTATIONS) {
    const v = obj.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  return { labels, annotations };
}
