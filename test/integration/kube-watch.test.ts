/**
 * The shared watch through a network cut: a TCP relay in front of testbed-2's API server is
 * closed and reopened. Connection state goes unreachable (with the error and since when),
 * then reachable again, and what changed meanwhile is in the cache after the resync.
 */
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Kube } from "../../src/kube/index.ts";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureTokens } from "../testbed/certs.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { pkiDir } from "../testbed/layout.ts";
import { bedKube, serverObjects, uniqueKey, FIXTURE_KINDS } from "./kube-fixtures.ts";
import { Relay } from "./relay.ts";

async function until(what: string, check: () => boolean, ms = 45_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
  return performance.now() - started;
}

let bed: Bed;
let c2: BedCluster;
let relay: Relay;
let dir: string;
let kube: Kube;
let admin: Kube;
let kubeMod: typeof import("../../src/kube/index.ts");
const key = uniqueKey("relay");

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c2 = bed.clusters.find((c) => c.name === "testbed-2")!;
  kubeMod = await import("../../src/kube/index.ts");
  relay = new Relay(new URL(c2.apiserverUrl));
  await relay.open();
  dir = mkdtempSync(join(tmpdir(), "mcks-kube-watch-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: relay
    cluster: { server: "https://127.0.0.1:${relay.port}", certificate-authority-data: ${readFileSync(join(pkiDir, "ca.crt")).toString("base64")} }
users:
  - name: u
    user: { token: ${ensureTokens(c2.index).restricted} }
contexts:
  - name: relay
    context: { cluster: relay, user: u }
`,
  );
  kube = await kubeMod.createKube({ clusters: [{ name: "relay", context: "relay", kubeconfig, namespace: "default" }], probeIntervalMs: 300 });
  admin = await bedKube(bed, [{ name: c2.name, context: c2.restrictedContext }]);
});

after(async () => {
  kubectl(bed.kubeconfig, c2.context, ["delete", "pods,services,secrets,serviceaccounts,pvc,ingresses", "-l", `mcks.hub.jupyter.org/key=${key}`, "--wait=false"]);
  await kube?.close();
  await admin?.close();
  await relay?.cut();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("connection state and resync", () => {
  test("reachable, then unreachable with the error and since when, then resynced", async (t) => {
    const watch = kube.cluster("relay").watch;
    await watch.whenSynced();
    await until("reachable at first", () => kube.health().relay?.reachable === true);

    const cutAt = Date.now();
    await relay.cut();
    const noticed = await until("unreachable after the cut", () => kube.health().relay?.reachable === false);
    t.diagnostic(`cut noticed after ${noticed.toFixed(0)} ms`);
    const h = kube.health().relay!;
    assert.ok(h.error && h.error.length > 0, "the last error is reported");
    assert.ok(Date.parse(h.since) >= cutAt - 1000, "since: when it became unreachable");

    // Meanwhile the server is created (on the cluster itself, not through the relay).
    const c = admin.cluster(c2.name);
    await kubeMod.applyObjects(c.client, serverObjects(key));
    await c.watch.waitReady(key, "default", { timeoutMs: 30_000 });
    assert.equal(watch.get(key, "default"), undefined, "the cut watch cannot know yet");

    await relay.open();
    const back = await until("reachable after the relay is back", () => kube.health().relay?.reachable === true);
    t.diagnostic(`reachable again ${back.toFixed(0)} ms after the relay came back`);
    await until("the resynced cache holds the server created during the cut", () => watch.get(key, "default")?.ready === true);

    // And deletions are seen through the resumed watch too.
    await kubeMod.deleteServerObjects(c, "default", key, { includePersistent: true, gracePeriodSeconds: 0, extraKinds: FIXTURE_KINDS });
    await until("the deletion is seen", () => watch.get(key, "default") === undefined);
  });
});
