/**
 * Server-side apply of a server's objects, in dependency order, one request per object.
 *
 * Objects go in waves (objects/kinds.ts): everything a later kind needs exists first, and
 * objects in the same wave are applied concurrently. Kinds in that table need no discovery
 * request (resources.ts).
 */
import { describe } from "../objects/identity.ts";
import { applyRank, applyWave } from "../objects/kinds.ts";
import { ANNOTATION_CREATE_ONLY, ANNOTATION_STARTED_AT } from "../objects/labels.ts";
import type { KubeObject } from "../objects/types.ts";
import { UserError } from "../errors.ts";
import type { KubeClient } from "./clients.ts";
import { ClusterUnreachableError, KubeApiError } from "./errors.ts";
import { collectionPath, objectPath } from "./resources.ts";

/** The field manager of every server-side apply (`kubectl get --show-managed-fields` shows it). */
const FIELD_MANAGER = "multicluster-kubespawner";
/**
 * The start marker is written by a different manager, so that re-applying the server's
 * objects (a second start) never removes it: server-side apply only prunes the fields its
 * own manager owned.
 */
const MARKER_FIELD_MANAGER = "multicluster-kubespawner-marker";

/** What the cluster holds after the apply. */
export interface AppliedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

export interface ApplyOptions {
  /** Namespace for namespaced objects that name none. */
  readonly namespace?: string;
  readonly signal?: AbortSignal;
  /** Ask the server to validate and default without persisting (`dryRun=All`). */
  readonly dryRun?: boolean;
}

/** The objects sorted into apply order (stable for equal ranks). */
export function applyOrder<T extends Pick<KubeObject, "kind">>(objects: readonly T[]): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => applyRank(a.o.kind) - applyRank(b.o.kind) || a.i - b.i)
    .map(({ o }) => o);
}

/** Apply order split into waves that may run concurrently. */
export function applyWaves<T extends Pick<KubeObject, "kind">>(objects: readonly T[]): T[][] {
  const waves: T[][] = [];
  for (const o of applyOrder(objects)) {
    (waves[applyWave(o.kind)] ??= []).push(o);
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

interface AppliedBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

async function applyOne(client: KubeClient, obj: KubeObject, opts: ApplyOptions): Promise<AppliedObject> {
  const type = await client.resources.resolve(obj.apiVersion, obj.kind);
  const namespace = type.namespaced ? (obj.metadata.namespace ?? opts.namespace) : undefined;
  if (type.namespaced && !namespace) {
    throw new UserError(`${describe(obj)} has no metadata.namespace and no default namespace was given`);
  }
  const body = type.namespaced && !obj.metadata.namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
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
  const applied: AppliedObject[] = [];
  for (const wave of applyWaves(objects)) {
    opts.signal?.throwIfAborted();
    const results = await Promise.allSettled(wave.map((o) => applyOne(client, o, opts)));
    let failure: { obj: KubeObject; err: unknown } | undefined;
    results.forEach((r, i) => {
      if (r.status === "fulfilled") applied.push(r.value);
      else failure ??= { obj: wave[i] as KubeObject, err: r.reason };
    });
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

/**
 * Record that the server behind `podName` was reported ready to the hub (objects/labels.ts,
 * ANNOTATION_STARTED_AT). A JSON merge patch by its own field manager: one request.
 */
export async function markStarted(client: KubeClient, namespace: string, podName: string, at: Date = new Date()): Promise<void> {
  const type = await client.resources.resolve("v1", "Pod");
  await client.http.json({
    method: "PATCH",
    path: objectPath(type, namespace, podName),
    query: { fieldManager: MARKER_FIELD_MANAGER },
    body: { metadata: { annotations: { [ANNOTATION_STARTED_AT]: at.toISOString() } } },
    contentType: "application/merge-patch+json",
    lane: "finish",
  });
}
