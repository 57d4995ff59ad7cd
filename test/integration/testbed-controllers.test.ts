/**
 * The bed's stand-in for kube-controller-manager (test/testbed/controllers.ts): a namespace made
 * after `up` gets its `default` ServiceAccount (so a pod without its own is admitted), and a
 * deleted namespace is emptied and finalized instead of hanging in Terminating.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";

let bed: Bed;
const ns = `ctl-${process.pid}`;
const k = (args: string[], input?: string) => kubectl(bed.kubeconfig, bed.clusters[2]!.context, args, input);

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

before(async () => {
  bed = await ensureBed({ clusters: 3 });
});

describe("controllers on testbed-3", () => {
  test("a new namespace gets a default ServiceAccount and admits a pod that uses it", async () => {
    assert.equal(k(["create", "namespace", ns]).status, 0);
    await until(`ServiceAccount ${ns}/default`, () => k(["-n", ns, "get", "serviceaccount", "default"]).status === 0, 10_000);
    const r = k(["-n", ns, "run", "p", "--image=testbed/singleuser:latest"]);
    assert.equal(r.status, 0, r.stderr);
    const sa = k(["-n", ns, "get", "pod", "p", "-o", "jsonpath={.spec.serviceAccountName}"]);
    assert.equal(sa.stdout, "default");
  });

  test("deleting the namespace removes its objects and the namespace itself", async () => {
    assert.equal(k(["-n", ns, "create", "configmap", "c", "--from-literal=a=1"]).status, 0);
    assert.equal(k(["delete", "namespace", ns, "--wait=false"]).status, 0);
    await until(`namespace ${ns} to disappear`, () => /NotFound/.test(k(["get", "namespace", ns]).stderr), 60_000);
  });
});
