/**
 * The daemon dies (SIGKILL) and comes back: nothing is orphaned, nothing running is lost.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { cleanKeys, ensureBed, managedObjects, objectsAfterStop, startServe, tempDir, writeServeConfig, type Bed, type ServeProcess } from "./serve-fixture.ts";

let bed: Bed;
let configPath: string;
let socket: string;
let serve: ServeProcess | undefined;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, ["jupyter-henry", "jupyter-ivy", "jupyter-jack"]);
  const dir = tempDir("mcks-serve-restart-");
  // A short start timeout: the next daemon removes a half-made server once it is that old
  // (a younger one may still be under way in another daemon). Short, but long enough for the
  // other starts of this file on a loaded machine.
  configPath = writeServeConfig(bed, dir, { startTimeout: 20 });
  socket = `${dir}/mcks.sock`;
});

after(async () => {
  await serve?.stop();
});

const user = (name: string) => ({ name });

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("mcks serve restarts", () => {
  it("a start cut short by SIGKILL before its server ran is cleaned up by the next daemon once it is older than the start timeout, and a later start works", async () => {
    serve = await startServe(configPath, socket);
    const client = await serve.client();
    const starting = client.call("server.start", { user: user("henry"), profile: "stuck" });
    starting.catch(() => {});
    await waitFor(() => managedObjects(bed, "testbed-1", "jupyter-henry").includes("Pod/jupyter-henry"));
    await serve.kill("SIGKILL");
    await assert.rejects(starting);
    assert.ok(managedObjects(bed, "testbed-1", "jupyter-henry").length > 0, "the half-made server is there");

    serve = await startServe(configPath, socket);
    await waitFor(() => /removed the objects of an incomplete start: testbed-1\/default\/jupyter-henry/.test(serve!.log()), 60_000);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", "jupyter-henry"), []);

    const c2 = await serve.client();
    const ok = await c2.call("server.start", { user: user("henry"), profile: "beta" });
    assert.equal((await fetch(`${ok.url}api`)).status, 200);
    await c2.call("server.delete", { user: user("henry"), state: ok.state });
    await c2.close();
  });

  it("running servers survive a SIGKILL of the daemon: poll still says running, the route still works, stop still cleans", async () => {
    serve ??= await startServe(configPath, socket);
    const client = await serve.client();
    const ivy = await client.call("server.start", { user: user("ivy"), profile: "beta" });
    const jack = await client.call("server.start", { user: user("jack"), profile: "gamma" });
    await serve.kill("SIGKILL");

    serve = await startServe(configPath, socket);
    // At least ivy's and jack's (a server another test left running on the shared bed counts too).
    const log = await serve.logged((l) => /recovered \d+ running server/.test(l));
    const recovered = Number(/recovered (\d+) running server/.exec(log)?.[1] ?? 0);
    assert.ok(recovered >= 2, `recovered ${recovered} running servers: ${serve.log()}`);
    const c2 = await serve.client();
    assert.deepEqual(await c2.call("server.poll", { user: user("ivy"), state: ivy.state }), { status: null });
    assert.deepEqual(await c2.call("server.poll", { user: user("jack"), state: jack.state }), { status: null });
    assert.equal((await fetch(`${ivy.url}api`)).status, 200);
    // A start of a recovered server answers with the same URL (it re-applies the same objects).
    const again = await c2.call("server.start", { user: user("ivy"), profile: "beta" });
    assert.equal(again.url, ivy.url);

    await c2.call("server.stop", { user: user("ivy"), state: ivy.state, now: true });
    await c2.call("server.stop", { user: user("jack"), state: jack.state, now: true });
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", "jupyter-ivy"), []);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-3", "jupyter-jack"), []);
    await c2.close();
  });
});

describe("mcks serve reloads config.ts on SIGHUP", () => {
  it("applies a good config, keeps the running one when the new one is bad or changes clusters", async () => {
    const dir = tempDir("mcks-serve-reload-");
    const path = writeServeConfig(bed, dir);
    const daemon = await startServe(path);
    try {
      const client = await daemon.client();
      const names = async () => (await client.call("profiles.list", { user: user("kim") })).map((p) => p.displayName);
      assert.ok((await names()).includes("Beta"));

      const original = readFileSync(path, "utf8");
      const hup = async (text: string, logLine: RegExp) => {
        writeFileSync(path, text);
        daemon.child.kill("SIGHUP");
        await waitFor(() => logLine.test(daemon.log())).catch((e: Error) => { throw new Error(`${e.message}: ${logLine} not in:\n${daemon.log()}`); });
      };
      await hup(original.replace('displayName: "Beta"', 'displayName: "Beta (reloaded)"'), /reloaded .*config\.ts/);
      assert.ok((await names()).includes("Beta (reloaded)"));

      await hup(original.replace("profiles: [", "profiles: [ {,"), /reload failed, keeping the running config: failed to load config from .*config\.ts: syntax error \(config\.ts:\d+:\d+: /);
      assert.ok((await names()).includes("Beta (reloaded)"));

      await hup(original.replace('namespace: "default" }', 'namespace: "elsewhere" }'), /reload failed.*clusters in config\.ts changed/);
      assert.ok((await names()).includes("Beta (reloaded)"));
      assert.equal(daemon.child.exitCode, null, "the daemon survives bad reloads");
      await client.close();
    } finally {
      await daemon.stop();
    }
  });
});
