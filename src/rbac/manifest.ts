/**
 * The RBAC objects that grant one cluster's identity the rules of rules.ts, as
 * `kubectl apply -f -` takes them:
 *   - a fixed namespace: a Role and a RoleBinding in it (plus a ClusterRole and its binding for
 *     `create` on namespaces when the config creates that namespace);
 *   - per-user namespaces (a namespace template): the shared watch and startup recovery look
 *     across namespaces, so the same least rules go into a ClusterRole bound cluster-wide.
 */
import { rulesOf, type PolicyRule, type ResourceUse } from "./rules.ts";

export type Subject =
  | { readonly kind: "User" | "Group"; readonly name: string }
  | { readonly kind: "ServiceAccount"; readonly name: string; readonly namespace: string };

export interface RbacTarget {
  /** The config's cluster name (in comments). */
  readonly cluster: string;
  /** The fixed namespace, or undefined for per-user namespaces. */
  readonly namespace: string | undefined;
  readonly subject: Subject;
  /** Name of the Role/ClusterRole and bindings. Default "mcks". */
  readonly name?: string;
}

type Manifest = Record<string, unknown>;

function subjectOf(s: Subject): Record<string, string> {
  return s.kind === "ServiceAccount" ? { kind: s.kind, name: s.name, namespace: s.namespace } : { apiGroup: "rbac.authorization.k8s.io", kind: s.kind, name: s.name };
}

const RBAC = "rbac.authorization.k8s.io/v1";

function role(kind: "Role" | "ClusterRole", name: string, namespace: string | undefined, rules: readonly PolicyRule[]): Manifest {
  return { apiVersion: RBAC, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, rules };
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, namespace: string | undefined, roleKind: string, subject: Subject): Manifest {
  return {
    apiVersion: RBAC,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name },
    subjects: [subjectOf(subject)],
  };
}

export function rbacManifests(target: RbacTarget, uses: readonly ResourceUse[]): Manifest[] {
  const name = target.name ?? "mcks";
  const namespaced = uses.filter((u) => u.namespaced);
  const clusterScoped = uses.filter((u) => !u.namespaced);
  if (target.namespace === undefined) {
    return [role("ClusterRole", name, undefined, rulesOf(uses)), binding("ClusterRoleBinding", name, undefined, "ClusterRole", target.subject)];
  }
  const out = [role("Role", name, target.namespace, rulesOf(namespaced)), binding("RoleBinding", name, target.namespace, "Role", target.subject)];
  if (clusterScoped.length > 0) {
    const clusterName = `${name}-cluster`;
    out.push(role("ClusterRole", clusterName, undefined, rulesOf(clusterScoped)), binding("ClusterRoleBinding", clusterName, undefined, "ClusterRole", target.subject));
  }
  return out;
}
