/**
 * Native settings as the daemon runs them on the bed: a profile's startTimeout bounds the start
 * (not only the config's), and the storage setting's home claim outlives stops and goes with
 * the server's deletion.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { cleanKeys, ensureBed, kubectl, managedObjects, objectsAfterStop, startServe, tempDir, writeServeConfig, type Bed, type ServeProcess } from "./serve-fixture.ts";

let bed: Bed;
let serve: ServeProcess | undefined;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["jupyter-kira", "jupyter-lena", "jupyter-mona"]);
  serve = await startServe(writeServeConfig(bed, tempDir("mcks-serve-timeout-"), { startTimeout: 60 }));
});

after(async () => {
  await serve?.stop();
});

it("a profile's startTimeout ends a start that takes longer, and what was applied is removed", async () => {
  const client = await serve!.client();
  const t0 = Date.now();
  await assert.rejects(client.call("server.start", { user: { name: "kira" }, profile: "hasty" }), /did not become ready within 2 s/);
  assert.ok(Date.now() - t0 < 30_000, "the profile's 2 s, not the config's 60 s");
  assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-kira"), []);
  await client.close();
});

it("the home claim of storage is kept across a stop, reused by the next start, and deleted with the server", async () => {
  const client = await serve!.client();
  const user = { name: "lena" };
  const first = await client.call("server.start", { user, profile: "homed" });
  assert.ok(managedObjects(bed, "testbed-2", "jupyter-lena").includes("PersistentVolumeClaim/jupyter-lena-home"));
  await client.call("server.stop", { user, state: first.state });
  const home = ["PersistentVolumeClaim/jupyter-lena-home"];
  assert.deepEqual(await objectsAfterStop(bed, "testbed-2", "jupyter-lena", home), home);
  const second = await client.call("server.start", { user, profile: "homed" });
  assert.equal((await fetch(`${second.url}api`)).status, 200);
  await client.call("server.delete", { user, state: second.state });
  assert.deepEqual(managedObjects(bed, "testbed-2", "jupyter-lena"), []);
  await client.close();
});

it("a start with another storage setting keeps and mounts the existing home claim as it is", async () => {
  const client = await serve!.client();
  const user = { name: "mona" };
  const claim = () => JSON.parse(kubectl(bed, "testbed-2", ["get", "pvc", "jupyter-mona-home", "-n", "default", "-o", "json"])) as {
    metadata: { uid: string };
    spec: { storageClassName: string; accessModes: string[]; resources: { requests: { storage: string } } };
  };
  const first = await client.call("server.start", { user, profile: "homed" });
  const before = claim();
  await client.call("server.stop", { user, state: first.state });
  const second = await client.call("server.start", { user, profile: "rehomed" });
  assert.equal((await fetch(`${second.url}api`)).status, 200);
  const kept = claim();
  assert.equal(kept.metadata.uid, before.metadata.uid);
  assert.deepEqual(
    [kept.spec.storageClassName, kept.spec.accessModes, kept.spec.resources.requests.storage],
    ["standard", ["ReadWriteOnce"], "1Gi"],
  );
  const pod = JSON.parse(kubectl(bed, "testbed-2", ["get", "pod", "jupyter-mona", "-n", "default", "-o", "json"])) as {
    spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  };
  assert.ok(pod.spec.volumes.some((v) => v.persistentVolumeClaim?.claimName === "jupyter-mona-home"));
  await client.call("server.delete", { user, state: second.state });
  assert.deepEqual(managedObjects(bed, "testbed-2", "jupyter-mona"), []);
  await client.close();
});

it("a config function's error with the user's token reaches the hub user only as where it failed; the log has it (attack)", async () => {
  const client = await serve!.client();
  const token = "gho_SECRET0123456789";
  let reference = "";
  await assert.rejects(client.call("server.start", { user: { name: "nora", authState: { access_token: token } }, profile: "leaky" }), (err: Error) => {
    assert.doesNotMatch(JSON.stringify({ message: err.message, data: (err as { data?: unknown }).data }), new RegExp(token));
    assert.match(err.message, /^environment\.API: the function failed; ask an administrator to look up the reference in the daemon's log \(reference (mcks-[0-9a-f]{8})\)$/);
    reference = /reference (mcks-[0-9a-f]{8})/.exec(err.message)![1]!;
    return true;
  });
  const underReference = (log: string) => log.split("\n").some((l) => l.includes(reference) && l.includes(token));
  assert.ok(underReference(await serve!.logged(underReference)), "the daemon's log has the message under the reference");
  await client.close();
});
