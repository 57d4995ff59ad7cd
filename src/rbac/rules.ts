/**
 * The least Kubernetes RBAC rules mcks needs for a set of kinds, from what kube/ sends:
 *   - every kind a server owns: `create` + `patch` (server-side apply is a PATCH, authorized
 *     as a create when it creates), `list` (stop and startup recovery find a server's objects
 *     by its labels), `get` (a stop waiting for an object held by a finalizer), `delete`;
 *   - Secrets: no `list` nor `get` (they would read every Secret of the namespace): a stop
 *     removes a server's Secrets with `deletecollection` by label;
 *   - Pods: `watch` too (the one shared watch), Events: `list` and `watch` only (progress);
 *   - a created namespace: `create` and `patch`, cluster-wide.
 * Nothing else is watched: waiting for other objects falls back to `get`.
 */

/** One resource mcks touches, and whether it lives in a namespace. */
export interface ResourceUse {
  /** API group: "" for the core group. */
  readonly group: string;
  /** Plural resource name, as in URLs. */
  readonly resource: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

/** A rule of a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export const OWNED_VERBS = ["create", "get", "list", "patch", "delete"] as const;
export const SECRET_VERBS = ["create", "patch", "delete", "deletecollection"] as const;
export const POD_VERBS = ["create", "get", "list", "watch", "patch", "delete"] as const;
export const EVENT_VERBS = ["list", "watch"] as const;
export const NAMESPACE_VERBS = ["create", "patch"] as const;

/** The verbs mcks needs on a kind its servers own. */
export function verbsFor(group: string, resource: string): readonly string[] {
  if (group === "" && resource === "secrets") return SECRET_VERBS;
  if (group === "" && resource === "pods") return POD_VERBS;
  if (group === "" && resource === "namespaces") return NAMESPACE_VERBS;
  return OWNED_VERBS;
}

const VERB_ORDER = ["create", "get", "list", "watch", "patch", "delete", "deletecollection"];
const byVerbOrder = (a: string, b: string) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b);

/**
 * Rules, resources with the same verbs and group merged into one rule (as people write them),
 * in a stable order: core group first, then groups by name.
 */
export function rulesOf(uses: readonly ResourceUse[]): PolicyRule[] {
  const merged = new Map<string, { group: string; verbs: string[]; resources: Set<string> }>();
  for (const u of uses) {
    const verbs = [...new Set(u.verbs)].sort(byVerbOrder);
    const id = `${u.group}\0${verbs.join(",")}`;
    const m = merged.get(id) ?? { group: u.group, verbs, resources: new Set<string>() };
    m.resources.add(u.resource);
    merged.set(id, m);
  }
  return [...merged.values()]
    .sort((a, b) => (a.group === b.group ? b.verbs.length - a.verbs.length : a.group === "" ? -1 : b.group === "" ? 1 : a.group.localeCompare(b.group)))
    .map((m) => ({ apiGroups: [m.group], resources: [...m.resources], verbs: m.verbs }));
}

/** Every single permission in `uses` (what `doctor` asks the cluster about). */
export function permissionsOf(uses: readonly ResourceUse[]): { group: string; resource: string; verb: string; namespaced: boolean }[] {
  return uses.flatMap((u) => u.verbs.map((verb) => ({ group: u.group, resource: u.resource, verb, namespaced: u.namespaced })));
}
