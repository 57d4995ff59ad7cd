/**
 * Attack (issue 11, finding 2): a user allowed to create Pods in their own namespace (as the
 * upstream dask Role grants) plants a Pod carrying another user's key label, hoping that the
 * victim's start fails with the planted Pod's error and that poll reports the victim stopped.
 * The real daemon (product binary, on the bed, per-user namespaces) must look only at the Pod
 * named after the key in the victim's own namespace, before and after a restart.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kubectl } from "../integration/serve-fixture.ts";
import { callDaemon, writeAttackConfig } from "./attack-config.ts";
import { faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("plant");
let fb: FaultBed;
let config: string;
const daemons: ServeProcess[] = [];

before(async () => {
  fb = await faultBed("mcks-attack-plant-");
  // Per-user namespaces need cluster-wide rights: this test runs as the bed's admin.
  config = writeAttackConfig(fb, {
    profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true }`,
    clusterExtra: { 0: `namespace: "${prefix}{{username}}", createNamespace: true` },
    admin: true,
  });
});
after(async () => {
  for (const d of daemons) await d.stop();
  for (const who of ["mallory", "bob"]) kubectl(fb.bed, fb.clusters[0]!.context, ["delete", "namespace", `${prefix}${prefix}${who}`, "--wait=false", "--ignore-not-found"]);
});

function plant(namespace: string, name: string, key: string, victim: string): void {
  const file = join(fb.dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Namespace
metadata: { name: ${namespace} }
---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: { app.kubernetes.io/managed-by: multicluster-kubespawner, mcks.hub.jupyter.org/key: ${key}, hub.jupyter.org/username: ${victim}, hub.jupyter.org/servername: "", mcks.hub.jupyter.org/lifetime: server }
  annotations: { hub.jupyter.org/username: ${victim}, hub.jupyter.org/servername: "", mcks.hub.jupyter.org/started-at: "2026-01-01T00:00:00Z" }
spec:
  containers: [{ name: notebook, image: "testbed/fail-pull:1" }]
`,
  );
  kubectl(fb.bed, fb.clusters[0]!.context, ["apply", "-f", file]);
}


describe("attack: a Pod planted with another user's key label", () => {
  it("the victim's start, poll and a restarted daemon ignore it", async () => {
    const bob = `${prefix}bob`;
    const key = `jupyter-${bob}`;
    // In mallory's namespace: the Pod named after bob's key, and another one that only carries it.
    plant(`${prefix}${prefix}mallory`, key, key, bob);
    plant(`${prefix}${prefix}mallory`, "decoy", key, bob);
    const serve = await startServe(config);
    daemons.push(serve);
    const started = await callDaemon<{ url: string; state: { namespace: string; key: string } }>(serve, "server.start", { user: { name: bob }, server: "", profile: "p", options: {}, env: {} });
    assert.equal(started.state.namespace, `${prefix}${prefix}bob`);
    assert.deepEqual(await callDaemon(serve, "server.poll", { user: { name: bob }, server: "", state: started.state }), { status: null });

    // After a restart the planted Pods are not taken for bob's server either.
    await serve.stop();
    const again = await startServe(config);
    daemons.push(again);
    assert.deepEqual(await callDaemon(again, "server.poll", { user: { name: bob }, server: "", state: started.state }), { status: null });
    const ignoring = new RegExp(`ignoring objects labelled as server ${key} in namespace ${prefix}${prefix}mallory`);
    assert.match(await again.logged((l) => ignoring.test(l)), ignoring, "the planted Pods are not said to be ignored");
    assert.doesNotMatch(again.log(), /ignoring objects .* in namespace :/, "bob's own namespace object was taken for a planted one");
    await callDaemon(again, "server.stop", { user: { name: bob }, server: "", state: started.state, now: true });
    assert.deepEqual(await callDaemon(again, "server.poll", { user: { name: bob }, server: "", state: null }), { status: 0 });
  });
});
