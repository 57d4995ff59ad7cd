/**
 * The restricted user of every bed cluster holds exactly test/testbed/rbac-minimal.yaml:
 * each verb mcks needs works in `default`, and the rest (cluster scope, other namespaces,
 * other kinds, RBAC escalation) is refused by the real RBAC authorizer.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { kubectl, rbacMinimalPath } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";

let bed: Bed;
const ctx = (): string => bed.clusters[0]!.restrictedContext;
const k = (args: string[], input?: string) => kubectl(bed.kubeconfig, ctx(), args, input);

before(async () => {
  bed = await ensureBed({ clusters: 3 });
});

function assertAllowed(r: { status: number; stderr: string }, what: string): void {
  assert.equal(r.status, 0, `${what} should be allowed, kubectl said: ${r.stderr}`);
}
function assertForbidden(r: { status: number; stderr: string }, what: string): void {
  assert.notEqual(r.status, 0, `${what} should be forbidden but succeeded`);
  assert.match(r.stderr, /forbidden/i, `${what}: expected a Forbidden error, got: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /customresourcedefinitions/, `${what}: denied by kubectl's client-side validation, not by the check itself`);
}

const objects = (name: string) => `
apiVersion: v1
kind: Secret
metadata: { name: ${name} }
stringData: { token: t }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: ${name} }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name} }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ port: 8888, targetPort: 8888 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name} }
spec:
  rules:
    - http:
        paths:
          - path: /user/${name}/
            pathType: Prefix
            backend: { service: { name: ${name}, port: { number: 8888 } } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: ${name} }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${name} }
subjects: [{ kind: ServiceAccount, name: ${name}, namespace: default }]
---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: ${name} } }
spec:
  serviceAccountName: ${name}
  containers: [{ name: notebook, image: testbed/singleuser:latest, ports: [{ containerPort: 8888 }] }]
`;

const kinds = "serviceaccount,persistentvolumeclaim,service,ingress,role,rolebinding,pod";

describe("restricted user (rbac-minimal.yaml) on testbed-1", () => {
  test("can create (server-side apply), get, list, patch and delete everything mcks makes in default, and watch Pods and Events", () => {
    const name = `rbac-ok-${process.pid}`;
    assertAllowed(k(["apply", "--server-side", "--field-manager=multicluster-kubespawner", "-f", "-"], objects(name)), "server-side apply of every kind");
    const got = k(["get", kinds, "-o", "name", "--field-selector", `metadata.name=${name}`]);
    assertAllowed(got, "list");
    assert.equal(got.stdout.trim().split("\n").length, 7, `expected 7 objects, got:\n${got.stdout}`);
    assertAllowed(k(["get", "pod", name, "-o", "name"]), "get pod");
    assertAllowed(k(["patch", "service", name, "--type=merge", "-p", '{"metadata":{"annotations":{"b":"2"}}}']), "patch service");
    // Field selectors keep these fast on a shared bed with thousands of objects; RBAC is the same.
    assertAllowed(k(["get", "events", "--field-selector", `involvedObject.name=${name}`]), "list events");
    for (const res of ["pods", "events"]) {
      // A watch with a server-side timeout ends cleanly when allowed and fails at once when not.
      assertAllowed(k(["get", "--raw", `/api/v1/namespaces/default/${res}?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3D${name}`]), `watch ${res}`);
    }
    assertAllowed(k(["delete", ...kinds.split(",").map((kind) => `${kind}/${name}`), "--wait=false"]), "delete");
  });

  test("Secrets: created, patched and deleted by label, never read", () => {
    const name = `rbac-secret-${process.pid}`;
    assertAllowed(k(["apply", "--server-side", "--field-manager=multicluster-kubespawner", "-f", "-"], `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}, labels: { rbac-test: "${name}" } }\nstringData: { token: t }\n`), "apply a Secret");
    assertForbidden(k(["get", "secret", name]), "get a Secret");
    assertForbidden(k(["get", "secrets"]), "list Secrets");
    assertForbidden(k(["get", "--raw", "/api/v1/namespaces/default/secrets?watch=1&timeoutSeconds=1"]), "watch Secrets");
    assertAllowed(k(["delete", "--raw", `/api/v1/namespaces/default/secrets?labelSelector=rbac-test%3D${name}`]), "deletecollection of Secrets by label");
  });

  test("is forbidden everything else", () => {
    assertForbidden(k(["get", "nodes"]), "list nodes");
    assertForbidden(k(["get", "namespaces"]), "list namespaces");
    assertForbidden(k(["create", "namespace", `rbac-denied-${process.pid}`]), "create a namespace");
    assertForbidden(k(["-n", "testbed-other", "get", "pods"]), "list pods in another namespace");
    assertForbidden(k(["-n", "testbed-other", "create", "configmap", "x", "--from-literal=a=1"]), "create in another namespace");
    assertForbidden(k(["-n", "kube-system", "get", "secrets"]), "read kube-system secrets");
    assertForbidden(k(["create", "deployment", "x", "--image=nginx"]), "create a Deployment (apps is not granted)");
    assertForbidden(k(["create", "configmap", `rbac-cm-${process.pid}`, "--from-literal=a=1"]), "create a ConfigMap (the bed's config makes none)");
    assertForbidden(k(["get", "--raw", "/api/v1/namespaces/default/services?watch=1&timeoutSeconds=1"]), "watch Services (only Pods and Events are watched)");
    assertForbidden(k(["create", "clusterrole", "x", "--verb=get", "--resource=nodes"]), "create a ClusterRole");
    assertForbidden(k(["create", "role", "escalate", "--verb=get", "--resource=deployments.apps"]), "create a Role granting what it does not hold");
    assertForbidden(k(["create", "--validate=false", "-f", "-"], `apiVersion: v1\nkind: Event\nmetadata: { name: x }\ninvolvedObject: { kind: Pod, name: x, namespace: default }\nreason: X\nmessage: x\n`), "create an Event");
  });

  test("the rules it holds in default are exactly rbac-minimal.yaml (SelfSubjectRulesReview)", () => {
    const role = parseAllDocuments(readFileSync(rbacMinimalPath, "utf8"))
      .map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] })
      .find((d) => d.kind === "Role")!;
    const expected = new Set<string>();
    for (const r of role.rules ?? []) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) expected.add(`${g}/${res}:${v}`);

    const granted = (ns: string): Set<string> => {
      const review = `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"${ns}"}}`;
      // --validate=false: client-side validation lists CRDs, which this user may not.
      const r = k(["create", "--validate=false", "-o", "json", "-f", "-"], review);
      assertAllowed(r, "SelfSubjectRulesReview");
      const status = JSON.parse(r.stdout).status as { resourceRules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[] };
      const out = new Set<string>();
      for (const rule of status.resourceRules) {
        for (const g of rule.apiGroups ?? [""]) {
          // Every authenticated user may ask who they are and what they may do (system:basic-user).
          if (g === "authorization.k8s.io" || g === "authentication.k8s.io") continue;
          for (const res of rule.resources ?? []) for (const v of rule.verbs) out.add(`${g}/${res}:${v}`);
        }
      }
      return out;
    };
    assert.deepEqual([...granted("default")].sort(), [...expected].sort());
    assert.deepEqual([...granted("testbed-other")], []);
  });
});
