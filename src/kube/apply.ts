/**
 * Server-side apply of a server's objects, in dependency order, one request per object.
 *
 * Objects go in waves (objects/kinds.ts): everything a later kind needs exists first, and
 * objects in the same wave are applied concurrently. Kinds in that table need no discovery
 * request (resources.ts). With an owner (objects/owner.ts), the owner is applied alone before
 * wave 1, and every later object that goes with it is sent with its ownerReference already set.
 */
import { describe } from "../objects/identity.ts";
import { applyRank, applyWave } from "../objects/kinds.ts";
import { goesWithOwner, isServerOwner, withOwner, type OwnerReference } from "../objects/owner.ts";
import { ANNOTATION_CREATE_ONLY } from "../objects/labels.ts";
import type { KubeObject, ObjectRef } from "../objects/types.ts";
import { UserError } from "../errors.ts";
import type { KubeClient } from "./clients.ts";
import { ClusterUnreachableError, KubeApiError } from "./errors.ts";
import { collectionPath, objectPath } from "./resources.ts";

/** The field manager of every server-side apply (`kubectl get --show-managed-fields` shows it). */
const FIELD_MANAGER = "multicluster-kubespawner";

/** What the cluster holds after the apply. */
export interface AppliedObject extends ObjectRef {
  readonly resourceVersion: string;
  /** Sent with an ownerReference to the server's owner: the garbage collector removes it with the owner. */
  readonly owned: boolean;
}

export interface ApplyOptions {
  /** Namespace for namespaced objects that name none. */
  readonly namespace?: string;
  readonly signal?: AbortSignal;
  /** Ask the server to validate and default without persisting (`dryRun=All`). */
  readonly dryRun?: boolean;
  /** The server's key: its owner (objects/owner.ts) is applied first and owns what goes with it. */
  readonly owner?: string;
  /** Called as each object is applied, before the rest of its wave (a cancelled start knows what exists). */
  readonly onApplied?: (applied: AppliedObject) => void;
}

/** The objects sorted into apply order (stable for equal ranks). */
export function applyOrder<T extends Pick<KubeObject, "kind">>(objects: readonly T[]): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => applyRank(a.o.kind) - applyRank(b.o.kind) || a.i - b.i)
    .map(({ o }) => o);
}

/**
 * Apply order split into waves that may run concurrently; `isOwner` picks the object that goes
 * alone between wave 0 and wave 1.
 */
export function applyWaves<T extends Pick<KubeObject, "kind">>(objects: readonly T[], isOwner: (o: T) => boolean = () => false): T[][] {
  const waves: T[][] = [];
  for (const o of applyOrder(objects)) {
    const wave = isOwner(o) ? 1 : applyWave(o.kind) + (applyWave(o.kind) > 0 ? 1 : 0);
    (waves[wave] ??= []).push(o);
  }
  return waves.filter((w) => w !== undefined);
}

/** An apply failed part-way: `applied` lists what the cluster holds now (for cleanup). */
export class ApplyError extends KubeApiError {
  readonly applied: readonly AppliedObject[];
  constructor(message: string, cause: KubeApiError, applied: readonly AppliedObject[]) {
    super(message, cause.status, { cause });
    this.applied = applied;
  }
}

/** The owner as applied: where its dependents must live, and its uid for their references. */
type AppliedOwner = OwnerReference & { readonly namespace: string };

interface AppliedBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

async function applyOne(client: KubeClient, obj: KubeObject, owner: AppliedOwner | undefined, opts: ApplyOptions): Promise<AppliedObject> {
  const type = await client.resources.resolve(obj.apiVersion, obj.kind);
  const namespace = type.namespaced ? (obj.metadata.namespace ?? opts.namespace) : undefined;
  if (type.namespaced && !namespace) {
    throw new UserError(`${describe(obj)} has no metadata.namespace and no default namespace was given`);
  }
  const placed = type.namespaced && !obj.metadata.namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
  const owned = owner !== undefined && goesWithOwner(placed, owner.namespace);
  const body = owned ? withOwner(placed, owner) : placed;
  const dryRun = opts.dryRun ? "All" : undefined;
  const path = objectPath(type, namespace, obj.metadata.name);
  const res =
    obj.metadata.annotations?.[ANNOTATION_CREATE_ONLY] === "true"
      ? await createOrKeep(client, collectionPath(type, namespace), path, body, dryRun, opts.signal)
      : await client.http.json<AppliedBody>({
          method: "PATCH",
          path,
          query: { fieldManager: FIELD_MANAGER, force: true, dryRun },
          body,
          contentType: "application/apply-patch+yaml",
          signal: opts.signal,
        });
  return {
    apiVersion: res.apiVersion ?? type.apiVersion,
    kind: res.kind ?? obj.kind,
    namespace,
    name: obj.metadata.name,
    uid: res.metadata?.uid ?? "",
    resourceVersion: res.metadata?.resourceVersion ?? "",
    owned,
  };
}

/** Create (ANNOTATION_CREATE_ONLY); when the object exists already, what the cluster holds, unchanged. */
async function createOrKeep(client: KubeClient, collection: string, path: string, body: KubeObject, dryRun: string | undefined, signal: AbortSignal | undefined): Promise<AppliedBody> {
  try {
    return await client.http.json<AppliedBody>({ method: "POST", path: collection, query: { fieldManager: FIELD_MANAGER, dryRun }, body, signal });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status.code === 409)) throw err;
    return await client.http.json<AppliedBody>({ method: "GET", path, signal });
  }
}

/**
 * Server-side apply (fieldManager `multicluster-kubespawner`, force) of `objects` to one
 * cluster. Returns the applied objects in apply order. On failure throws an ApplyError
 * whose message is `Kind/name: <Kubernetes message>` and which lists what was applied.
 */
export async function applyObjects(client: KubeClient, objects: readonly KubeObject[], opts: ApplyOptions = {}): Promise<AppliedObject[]> {
  const key = opts.owner;
  const isOwner = (o: KubeObject) => key !== undefined && isServerOwner(o, key);
  if (key !== undefined && !objects.some(isOwner)) {
    throw new UserError(`the server's Secret/${key} is missing: the server's other objects hang off it (docs/architecture.md "Object lifetimes"); a preApply plugin must not remove it`);
  }
  const applied: AppliedObject[] = [];
  let owner: AppliedOwner | undefined;
  for (const wave of applyWaves(objects, isOwner)) {
    opts.signal?.throwIfAborted();
    const results = await Promise.allSettled(
      wave.map(async (o) => {
        const done = await applyOne(client, o, owner, opts);
        opts.onApplied?.(done);
        return done;
      }),
    );
    const failures: { obj: KubeObject; err: unknown }[] = [];
    results.forEach((r, i) => {
      if (r.status === "fulfilled") {
        applied.push(r.value);
        const o = wave[i] as KubeObject;
        if (isOwner(o) && r.value.namespace) owner = { apiVersion: r.value.apiVersion, kind: r.value.kind, name: r.value.name, uid: r.value.uid, namespace: r.value.namespace };
      } else failures.push({ obj: wave[i] as KubeObject, err: r.reason });
    });
    // An ApplyError says exactly what was applied; a request lost on the way (network, abort)
    // may have landed all the same, so such a failure wins and the caller's cleanup searches.
    const failure = failures.find((f) => !(f.err instanceof KubeApiError)) ?? failures[0];
    if (failure) {
      const { obj, err } = failure;
      if (err instanceof KubeApiError) {
        throw new ApplyError(`${describe(obj)}: ${err.status.message}`, err, applied);
      }
      // The cluster being down is not about this object: keep the error as it is.
      if (err instanceof ClusterUnreachableError) throw err;
      if (err instanceof UserError) throw new UserError(`${describe(obj)}: ${err.message}`, err.details, { cause: err });
      throw err;
    }
  }
  return applied;
}
