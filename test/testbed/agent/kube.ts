/**
 * The agent's only door to its cluster: clients, one informer per resource kind, and a
 * request limiter. Informers in client-node stop on a non-410 error, so they are restarted here.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  NetworkingV1Api,
  StorageV1Api,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type {
  Informer,
  KubernetesObject,
  ListPromise,
  ObjectCache,
  V1Ingress,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
  V1StorageClass,
} from "@kubernetes/client-node";
import { UserError } from "../../../src/errors.ts";
import { Limiter } from "./limiter.ts";
import { PooledKubeConfig } from "./pooled-kubeconfig.ts";
import type { Log } from "./log.ts";

export interface Kube {
  readonly kc: PooledKubeConfig;
  readonly core: CoreV1Api;
  readonly net: NetworkingV1Api;
  readonly storage: StorageV1Api;
  readonly coordination: CoordinationV1Api;
  readonly limiter: Limiter;
}

export function connect(kubeconfig: string, context: string): Kube {
  const kc = new PooledKubeConfig();
  try {
    kc.loadFromFile(kubeconfig);
  } catch (err) {
    throw new UserError(`cannot read kubeconfig ${kubeconfig}: ${(err as Error).message}; run \`npm run testbed -- up\` first`);
  }
  if (!kc.getContextObject(context)) {
    const known = kc.getContexts().map((c) => c.name).join(", ") || "none";
    throw new UserError(`context "${context}" is not in ${kubeconfig} (it has: ${known}); pass --context with one of them`);
  }
  kc.setCurrentContext(context);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    net: kc.makeApiClient(NetworkingV1Api),
    storage: kc.makeApiClient(StorageV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    limiter: new Limiter(24),
  };
}

/** Options that make a client-node patch call send a JSON merge patch. */
export const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Starts an informer that keeps reconnecting after errors until `signal` aborts. Resolves after the first list. */
export async function startInformer<T extends KubernetesObject>(
  kube: Kube,
  path: string,
  list: ListPromise<T>,
  log: Log,
  signal: AbortSignal,
  register: (inf: Cache<T>) => void,
): Promise<Cache<T>> {
  const inf = makeInformer<T>(kube.kc, path, list);
  register(inf);
  inf.on("error", (err: unknown) => {
    if (signal.aborted) return;
    log(`watch ${path} failed (${err instanceof Error ? err.message : String(err)}); restarting in 1s`);
    setTimeout(() => {
      if (!signal.aborted) inf.start().catch(() => undefined);
    }, 1000).unref();
  });
  signal.addEventListener("abort", () => void inf.stop(), { once: true });
  await inf.start();
  return inf;
}

export function podInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1Pod>) => void) {
  return startInformer<V1Pod>(kube, "/api/v1/pods", () => kube.core.listPodForAllNamespaces(), log, signal, register);
}

export function serviceInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1Service>) => void) {
  return startInformer<V1Service>(kube, "/api/v1/services", () => kube.core.listServiceForAllNamespaces(), log, signal, register);
}

export function ingressInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1Ingress>) => void) {
  return startInformer<V1Ingress>(
    kube,
    "/apis/networking.k8s.io/v1/ingresses",
    () => kube.net.listIngressForAllNamespaces(),
    log,
    signal,
    register,
  );
}

export function nodeInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1Node>) => void) {
  return startInformer<V1Node>(kube, "/api/v1/nodes", () => kube.core.listNode(), log, signal, register);
}

export function claimInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1PersistentVolumeClaim>) => void) {
  return startInformer<V1PersistentVolumeClaim>(kube, "/api/v1/persistentvolumeclaims", () => kube.core.listPersistentVolumeClaimForAllNamespaces(), log, signal, register);
}

export function volumeInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1PersistentVolume>) => void) {
  return startInformer<V1PersistentVolume>(kube, "/api/v1/persistentvolumes", () => kube.core.listPersistentVolume(), log, signal, register);
}

export function storageClassInformer(kube: Kube, log: Log, signal: AbortSignal, register: (inf: Cache<V1StorageClass>) => void) {
  return startInformer<V1StorageClass>(kube, "/apis/storage.k8s.io/v1/storageclasses", () => kube.storage.listStorageClass(), log, signal, register);
}

/** HTTP status of a failed client-node call, if it has one. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}
