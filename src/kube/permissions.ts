/**
 * What mcks needs a cluster to let it do, in the namespace servers start in. This list is
 * the source of `mcks doctor`'s checks; test/testbed/rbac-minimal.yaml grants exactly this
 * (a unit test keeps the two equal) and the README shows it.
 */
export interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly verbs: readonly string[];
}

const OBJECT_VERBS = ["create", "get", "list", "watch", "patch", "delete"] as const;

export const REQUIRED_PERMISSIONS: readonly Permission[] = [
  ...["pods", "services", "serviceaccounts", "secrets", "configmaps", "persistentvolumeclaims"].map((resource) => ({
    group: "",
    resource,
    verbs: OBJECT_VERBS,
  })),
  { group: "", resource: "events", verbs: ["list", "watch"] },
  { group: "networking.k8s.io", resource: "ingresses", verbs: OBJECT_VERBS },
  { group: "rbac.authorization.k8s.io", resource: "roles", verbs: OBJECT_VERBS },
  { group: "rbac.authorization.k8s.io", resource: "rolebindings", verbs: OBJECT_VERBS },
];
