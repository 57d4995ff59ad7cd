/**
 * A profile's startTimeout bounds the daemon's start (not only the config's): a server slower
 * than its profile allows fails with the profile's limit, and nothing of it stays.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { cleanKeys, ensureBed, managedObjects, startServe, tempDir, writeServeConfig, type Bed, type ServeProcess } from "./serve-fixture.ts";

let bed: Bed;
let serve: ServeProcess | undefined;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["jupyter-kira"]);
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
  assert.deepEqual(managedObjects(bed, "testbed-1", "jupyter-kira"), []);
  await client.close();
});
