/**
 * Volumes on the bed (testbed-1): the default class `standard` (WaitForFirstConsumer) provisions
 * only once the real scheduler chose a node for a pod, the `immediate` class right away; the
 * agent's provisioner creates the PV as an external CSI provisioner does and the real PV
 * controller binds it; a claim in use is protected from deletion (StorageObjectInUseProtection
 * with the pvc-protection controller), and a released volume is deleted.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { ensureBed } from "../testbed/bed.ts";
import { condition, getJson, kc, podEvents, podManifest, waitFor, type EventItem, type Target } from "../testbed/agent/testing.ts";
import { PROVISIONER, STORAGE_CLASSES } from "../testbed/agent/storage.ts";

let t: Target;
const id = process.pid;
const wffc = `vol-wffc-${id}`;
const imm = `vol-imm-${id}`;
const pod = `vol-pod-${id}`;

before(async () => {
  const bed = await ensureBed({ clusters: 3 });
  t = { kubeconfig: bed.kubeconfig, context: bed.clusters[0]!.context };
});

after(() => {
  if (t) kc(t, ["delete", `pod/${pod}`, `pvc/${wffc}`, `pvc/${imm}`, "--ignore-not-found", "--wait=false"]);
});

const claim = (name: string, cls?: string) => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name} }
spec:
  ${cls ? `storageClassName: ${cls}` : ""}
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 2Gi } }
`;

const events = (name: string, kind = "PersistentVolumeClaim"): EventItem[] => podEvents(t, name).filter((e) => e.involvedObject.kind === kind);
const getClaim = (name: string) => getJson<V1PersistentVolumeClaim>(t, `pvc/${name}`);
const delayOf = (cls: string) => STORAGE_CLASSES.find((c) => c.name === cls)!.delayMs;

function checkVolume(c: V1PersistentVolumeClaim, cls: string): V1PersistentVolume {
  const pv = getJson<V1PersistentVolume>(t, `pv/${c.spec?.volumeName}`, "");
  assert.ok(pv, `PV ${c.spec?.volumeName}`);
  assert.equal(pv.metadata?.name, `pvc-${c.metadata?.uid}`);
  assert.equal(pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"], PROVISIONER);
  assert.ok(pv.metadata?.finalizers?.includes("external-provisioner.volume.kubernetes.io/finalizer"));
  assert.equal(pv.spec?.claimRef?.uid, c.metadata?.uid);
  assert.equal(pv.spec?.storageClassName, cls);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, "Delete");
  assert.equal(pv.spec?.capacity?.storage, "2Gi");
  assert.equal(pv.spec?.csi?.driver, PROVISIONER);
  assert.equal(pv.status?.phase, "Bound");
  const provisioning = events(c.metadata!.name!).find((e) => e.reason === "Provisioning");
  assert.equal(provisioning?.message, `External provisioner is provisioning volume for claim "default/${c.metadata?.name}"`);
  assert.ok(provisioning?.source?.component?.startsWith(`${PROVISIONER}_`), `source ${provisioning?.source?.component}`);
  return pv;
}

describe("volume provisioning", () => {
  test("the default class waits for a pod, then provisions in the zone of the node the scheduler chose", async () => {
    kc(t, ["apply", "-f", "-"], claim(wffc));
    await waitFor("WaitForFirstConsumer event", () => events(wffc).find((e) => e.reason === "WaitForFirstConsumer"), 20_000, 250);
    const waiting = getClaim(wffc)!;
    assert.equal(waiting.spec?.storageClassName, "standard", "the default class was filled in (DefaultStorageClass admission)");
    assert.equal(waiting.status?.phase, "Pending");
    assert.equal(waiting.metadata?.annotations?.["volume.kubernetes.io/selected-node"], undefined);
    assert.ok(waiting.metadata?.finalizers?.includes("kubernetes.io/pvc-protection"), "StorageObjectInUseProtection admission is on");

    const started = Date.now();
    kc(
      t,
      ["apply", "-f", "-"],
      podManifest(pod, "testbed/singleuser:latest", "\n      volumeMounts: [{ name: home, mountPath: /home/jovyan }]", `\n  volumes: [{ name: home, persistentVolumeClaim: { claimName: ${wffc} } }]`),
    );
    const running = await waitFor("pod Ready with its volume", () => {
      const p = getJson<V1Pod>(t, `pod/${pod}`);
      return p && condition(p, "Ready")?.status === "True" ? p : undefined;
    }, 60_000, 250);
    assert.ok(Date.now() - started >= delayOf("standard"), "the pod waited for the provisioning delay");
    const bound = getClaim(wffc)!;
    assert.equal(bound.status?.phase, "Bound");
    assert.equal(bound.metadata?.annotations?.["volume.kubernetes.io/selected-node"], running.spec?.nodeName);
    const pv = checkVolume(bound, "standard");
    const zone = getJson<{ metadata: { labels: Record<string, string> } }>(t, `node/${running.spec?.nodeName}`, "")?.metadata.labels["topology.kubernetes.io/zone"];
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions, [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }]);
    const succeeded = await waitFor("ProvisioningSucceeded", () => events(wffc).find((e) => e.reason === "ProvisioningSucceeded"));
    assert.equal(succeeded.message, `Successfully provisioned volume ${pv.metadata?.name}`);
  });

  test("the immediate class provisions without a pod", async () => {
    const started = Date.now();
    kc(t, ["apply", "-f", "-"], claim(imm, "immediate"));
    const bound = await waitFor("claim Bound", () => {
      const c = getClaim(imm);
      return c?.status?.phase === "Bound" ? c : undefined;
    }, 30_000, 250);
    assert.ok(Date.now() - started >= delayOf("immediate"), `bound after ${Date.now() - started} ms, the class delay is ${delayOf("immediate")} ms`);
    checkVolume(bound, "immediate");
    assert.ok(events(imm).some((e) => e.reason === "ExternalProvisioning" && e.source?.component === "persistentvolume-controller"));
  });

  test("a claim in use survives its deletion until the pod is gone; then its volume is deleted", async () => {
    const volume = getClaim(wffc)!.spec!.volumeName!;
    kc(t, ["delete", `pvc/${wffc}`, "--wait=false"]);
    await new Promise((r) => setTimeout(r, 2000));
    const held = getClaim(wffc);
    assert.ok(held?.metadata?.deletionTimestamp, "the claim is Terminating");
    assert.equal(held.status?.phase, "Bound", "…but still there while the pod uses it");
    kc(t, ["delete", `pod/${pod}`, "--wait=false"]);
    await waitFor("claim gone", () => (getClaim(wffc) === undefined ? true : undefined), 60_000, 250);
    await waitFor(`PV ${volume} deleted (reclaim policy Delete)`, () => (getJson(t, `pv/${volume}`, "") === undefined ? true : undefined), 60_000, 250);
    const immVolume = getClaim(imm)!.spec!.volumeName!;
    kc(t, ["delete", `pvc/${imm}`, "--wait=false"]);
    await waitFor(`PV ${immVolume} deleted`, () => (getJson(t, `pv/${immVolume}`, "") === undefined ? true : undefined), 60_000, 250);
  });
});
