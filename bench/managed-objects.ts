/**
 * `Kind/name` of every object mcks manages on a cluster that is not already terminating, via
 * kubectl with the admin context. Custom columns, not JSON: thousands of objects as JSON
 * overflow spawnSync's default buffer (test/integration/serve-fixture.ts's helper is for a few).
 */
import { spawnSync } from "node:child_process";

const KINDS = "pods,services,serviceaccounts,secrets,configmaps,persistentvolumeclaims,ingresses.networking.k8s.io,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io";

export function managedObjects(kubeconfig: string, context: string, opts: { includeTerminating?: boolean } = {}): string[] {
  const r = spawnSync(
    "kubectl",
    ["--kubeconfig", kubeconfig, "--context", context, "get", KINDS, "-A", "-l", "app.kubernetes.io/managed-by=multicluster-kubespawner", "--no-headers", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name,DELETING:.metadata.deletionTimestamp"],
    { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`kubectl get on ${context} failed: ${r.stderr || r.error?.message || `status ${r.status}`}`);
  return r.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && (opts.includeTerminating || f[2] === "<none>"))
    .map(([kind, name]) => `${kind}/${name}`)
    .sort();
}
