/**
 * The one table of the Kubernetes kinds mcks knows without asking a cluster: where each lives
 * in the API, whether it is namespaced, when it is applied and whether stop looks for it
 * (docs/architecture.md "Kinds"). Render places objects by it, kube applies, lists and deletes
 * by it; a kind not in it is an operator's (a DaskCluster…) and is discovered per cluster.
 */

/** A kind of object, as `apiVersion` + `kind`. */
export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

/** Where a kind lives in the API (`/api/v1/namespaces/x/pods/name`). */
export interface ResourceType extends KindRef {
  /** Plural resource name in URLs (`pods`, `ingresses`). */
  readonly plural: string;
  readonly namespaced: boolean;
}

type Row = readonly [apiVersion: string, kind: string, plural: string, namespaced: boolean, wave: number | null, stop: boolean];

/**
 * `wave`: objects are applied wave by wave, each after what it depends on (admission rejects a
 * Pod whose ServiceAccount is missing; RBAC checks a RoleBinding's rules against an existing
 * Role; the Ingress comes once its Pod exists); kinds in one wave are applied concurrently,
 * kinds without a wave come in a last one. The server's owner (objects/owner.ts) goes alone
 * between wave 0 and wave 1, so that everything after it can reference it.
 * Rows with a wave are in apply order. `stop`: stop, delete and startup recovery look for this
 * kind for every server (the kinds render always makes); they look for other kinds only when
 * the config creates them (spawn/kinds.ts), so the least RBAC (`mcks rbac`) needs no rights on
 * kinds a config never creates. They are listed in the reverse of apply order.
 */
const TABLE: readonly Row[] = [
  // apiVersion                     kind                       plural                      namespaced wave stop
  ["v1",                            "Namespace",               "namespaces",               false,     0,   false],
  ["v1",                            "ServiceAccount",          "serviceaccounts",          true,      1,   true],
  ["v1",                            "Secret",                  "secrets",                  true,      1,   true],
  ["v1",                            "ConfigMap",               "configmaps",               true,      1,   false],
  ["v1",                            "PersistentVolumeClaim",   "persistentvolumeclaims",   true,      1,   false],
  ["rbac.authorization.k8s.io/v1",  "Role",                    "roles",                    true,      1,   false],
  ["v1",                            "Service",                 "services",                 true,      1,   true],
  ["rbac.authorization.k8s.io/v1",  "RoleBinding",             "rolebindings",             true,      2,   false],
  ["v1",                            "Pod",                     "pods",                     true,      2,   true],
  ["networking.k8s.io/v1",          "Ingress",                 "ingresses",                true,      3,   true],
  ["v1",                            "PersistentVolume",        "persistentvolumes",        false,     null, false],
  ["v1",                            "Endpoints",               "endpoints",                true,      null, false],
  ["v1",                            "Event",                   "events",                   true,      null, false],
  ["v1",                            "LimitRange",              "limitranges",              true,      null, false],
  ["v1",                            "ResourceQuota",           "resourcequotas",           true,      null, false],
  ["rbac.authorization.k8s.io/v1",  "ClusterRole",             "clusterroles",             false,     null, false],
  ["rbac.authorization.k8s.io/v1",  "ClusterRoleBinding",      "clusterrolebindings",      false,     null, false],
  ["networking.k8s.io/v1",          "NetworkPolicy",           "networkpolicies",          true,      null, false],
  ["apps/v1",                       "Deployment",              "deployments",              true,      null, false],
  ["apps/v1",                       "StatefulSet",             "statefulsets",             true,      null, false],
  ["apps/v1",                       "DaemonSet",               "daemonsets",               true,      null, false],
  ["apps/v1",                       "ReplicaSet",              "replicasets",              true,      null, false],
  ["batch/v1",                      "Job",                     "jobs",                     true,      null, false],
  ["batch/v1",                      "CronJob",                 "cronjobs",                 true,      null, false],
  ["policy/v1",                     "PodDisruptionBudget",     "poddisruptionbudgets",     true,      null, false],
  ["autoscaling/v2",                "HorizontalPodAutoscaler", "horizontalpodautoscalers", true,      null, false],
  ["discovery.k8s.io/v1",           "EndpointSlice",           "endpointslices",           true,      null, false],
];

/**
 * Further kinds that live outside namespaces, known by name only (kube discovers where they
 * live). Render must know them offline: an operator resource of any other kind gets the
 * server's namespace when it names none, so a cluster-scoped custom kind must be added here.
 */
const OTHER_CLUSTER_SCOPED = [
  "APIService",
  "CertificateSigningRequest",
  "ComponentStatus",
  "CSIDriver",
  "CSINode",
  "CustomResourceDefinition",
  "FlowSchema",
  "IngressClass",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "MutatingWebhookConfiguration",
  "Node",
  "PriorityClass",
  "PriorityLevelConfiguration",
  "RuntimeClass",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeAttachment",
  "VolumeAttributesClass",
];

const id = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;
const TYPES = new Map<string, ResourceType>(
  TABLE.map(([apiVersion, kind, plural, namespaced]) => [id(apiVersion, kind), { apiVersion, kind, plural, namespaced }]),
);
const APPLIED = TABLE.filter(([, , , , wave]) => wave !== null);
const RANK = new Map(APPLIED.map(([, kind], i) => [kind, i]));
const WAVE = new Map(APPLIED.map(([, kind, , , wave]) => [kind, wave as number]));
const LAST_WAVE = Math.max(...WAVE.values()) + 1;
const CLUSTER_SCOPED = new Set([...TABLE.filter(([, , , namespaced]) => !namespaced).map(([, kind]) => kind), ...OTHER_CLUSTER_SCOPED]);

/** The kinds stop, delete and startup recovery look for for every server. */
export const SERVER_KINDS: readonly KindRef[] = TABLE.filter(([, , , , , stop]) => stop)
  .map(([apiVersion, kind]) => ({ apiVersion, kind }))
  .reverse();
const SERVER_KIND_IDS = new Set(SERVER_KINDS.map((k) => id(k.apiVersion, k.kind)));

/** Where a kind lives, when the table knows it (no discovery request needed). */
export function builtinType(apiVersion: string, kind: string): ResourceType | undefined {
  return TYPES.get(id(apiVersion, kind));
}

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** Position in apply order; kinds without a wave share the last place. */
export function applyRank(kind: string): number {
  return RANK.get(kind) ?? APPLIED.length;
}

export function applyWave(kind: string): number {
  return WAVE.get(kind) ?? LAST_WAVE;
}

/** The kinds of `objects` that stop would not look for by itself (operator resources, a created namespace). */
export function extraKinds(objects: Iterable<{ readonly apiVersion?: string | undefined; readonly kind: string }>): KindRef[] {
  const found = new Map<string, KindRef>();
  for (const o of objects) {
    const apiVersion = o.apiVersion ?? "v1";
    const key = id(apiVersion, o.kind);
    if (!SERVER_KIND_IDS.has(key) && !found.has(key)) found.set(key, { apiVersion, kind: o.kind });
  }
  return [...found.values()];
}

/** The kinds of all lists, in order, each once. */
export function uniqueKinds(...lists: readonly (readonly KindRef[])[]): KindRef[] {
  const out = new Map<string, KindRef>();
  for (const k of lists.flat()) if (!out.has(id(k.apiVersion, k.kind))) out.set(id(k.apiVersion, k.kind), k);
  return [...out.values()];
}

/** The kinds to look for when stopping a server: `extra` (its operator kinds), then SERVER_KINDS. */
export function serverKinds(extra: readonly KindRef[] = []): KindRef[] {
  return uniqueKinds(extra, SERVER_KINDS);
}
