/**
 * The real kube-controller-manager of the bed (testbed-3): a namespace made after `up` gets its
 * `default` ServiceAccount (so a pod without its own is admitted); the garbage collector removes
 * objects whose ownerReference points to a deleted owner; a deleted namespace is emptied and
 * finalized instead of hanging in Terminating; and the API server's bootstrap RBAC lets the
 * scheduler and controller-manager do all this under their own identities.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { waitFor } from "../testbed/agent/testing.ts";

let bed: Bed;
const ns = `ctl-${process.pid}`;
const k = (args: string[], input?: string) => kubectl(bed.kubeconfig, bed.clusters[2]!.context, args, input);
const gone = (what: string, namespace: string) => /NotFound/.test(k(["-n", namespace, "get", what]).stderr);

before(async () => {
  bed = await ensureBed({ clusters: 3 });
});

describe("kube-controller-manager on testbed-3", () => {
  test("runs as system:kube-controller-manager with per-controller service accounts, the scheduler as system:kube-scheduler", () => {
    const can = (user: string, ...what: string[]) => k(["auth", "can-i", ...what, "--as", user]).stdout.trim();
    assert.equal(can("system:kube-scheduler", "create", "pods", "--subresource=binding"), "yes");
    assert.equal(can("system:kube-scheduler", "delete", "namespaces"), "no", "the scheduler gets only its bootstrap role");
    assert.equal(can("system:kube-controller-manager", "create", "serviceaccounts/token", "-n", "kube-system"), "yes");
    const sas = k(["-n", "kube-system", "get", "serviceaccounts", "-o", "jsonpath={.items[*].metadata.name}"]).stdout.split(" ");
    for (const sa of ["namespace-controller", "generic-garbage-collector", "node-controller", "persistent-volume-binder", "resourcequota-controller"]) {
      assert.ok(sas.includes(sa), `kube-system/${sa} (made by --use-service-account-credentials): ${sas.join(" ")}`);
    }
  });

  test("a new namespace gets a default ServiceAccount and admits a pod that uses it", async () => {
    assert.equal(k(["create", "namespace", ns]).status, 0);
    await waitFor(`ServiceAccount ${ns}/default`, () => (k(["-n", ns, "get", "serviceaccount", "default"]).status === 0 ? true : undefined), 20_000, 200);
    const r = k(["-n", ns, "run", "p", "--image=testbed/singleuser:latest", "--overrides", '{"spec":{"terminationGracePeriodSeconds":1}}']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(k(["-n", ns, "get", "pod", "p", "-o", "jsonpath={.spec.serviceAccountName}"]).stdout, "default");
    // root-ca-certificate-publisher: the ConfigMap every projected service-account volume needs.
    await waitFor(`ConfigMap ${ns}/kube-root-ca.crt`, () => (k(["-n", ns, "get", "configmap", "kube-root-ca.crt"]).status === 0 ? true : undefined), 20_000, 200);
  });

  test("the garbage collector deletes the dependents of a deleted owner", async () => {
    assert.equal(k(["-n", ns, "create", "configmap", "owner", "--from-literal=a=1"]).status, 0);
    const uid = k(["-n", ns, "get", "configmap", "owner", "-o", "jsonpath={.metadata.uid}"]).stdout;
    const child = (name: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  ownerReferences: [{ apiVersion: v1, kind: ConfigMap, name: owner, uid: "${uid}" }]\nstringData: { a: "1" }\n`;
    assert.equal(k(["apply", "-f", "-"], `${child("child-a")}---\n${child("child-b")}`).status, 0);
    assert.equal(k(["-n", ns, "create", "secret", "generic", "bystander", "--from-literal=a=1"]).status, 0);
    assert.equal(k(["-n", ns, "delete", "configmap", "owner"]).status, 0);
    await waitFor("the owned Secrets to be collected", () => (gone("secret/child-a", ns) && gone("secret/child-b", ns) ? true : undefined), 30_000, 250);
    assert.equal(k(["-n", ns, "get", "secret", "bystander"]).status, 0, "a Secret without the ownerReference stays");
  });

  test("deleting the namespace removes its objects and the namespace itself", async () => {
    assert.equal(k(["-n", ns, "create", "configmap", "c", "--from-literal=a=1"]).status, 0);
    assert.equal(k(["delete", "namespace", ns, "--wait=false"]).status, 0);
    await waitFor(`namespace ${ns} to disappear`, () => (/NotFound/.test(k(["get", "namespace", ns]).stderr) ? true : undefined), 90_000, 250);
  });
});
