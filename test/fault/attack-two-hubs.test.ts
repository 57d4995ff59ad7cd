/**
 * Issue 11, finding 12: two hubs (two daemons, `hubId` "huba" and "hubb") share one cluster and
 * one namespace. Each must leave the other's servers alone: a user name both hubs have gets
 * separate objects, a stop on one hub never deletes the other's, and a restart's recovery
 * neither adopts nor removes the other's objects (nor those of a hub without an id). The
 * Ingress rule carries the cluster's `ingressHost`, so two hubs behind one ingress controller
 * never share a path. Product binary, on the bed.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { dryRun, kubectl } from "../integration/serve-fixture.ts";
import { callDaemon, writeAttackConfig } from "./attack-config.ts";
import { allManaged, faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("hubs");
let fb: FaultBed;
const daemons: ServeProcess[] = [];
const configs: Record<string, string> = {};
/** This run's objects, whichever hub's (their names start with `jupyter-` or `<hubId>--`). */
const mine = () => allManaged(fb).filter((o) => o.includes(prefix));

before(async () => {
  fb = await faultBed("mcks-two-hubs-");
  for (const hub of ["huba", "hubb"]) {
    configs[hub] = writeAttackConfig(fb, { profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true }`, extra: `hubId: "${hub}",`, file: `${hub}.ts` });
  }
  // hubb again, with a start timeout short enough that its recovery removes old incomplete starts soon.
  configs["hubb-quick"] = writeAttackConfig(fb, {
    profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true }`,
    extra: `hubId: "hubb",`,
    startTimeout: 3,
    file: "hubb-quick.ts",
  });
});
after(async () => {
  for (const d of daemons) await d.stop();
});


type Started = { url: string; state: { key: string; namespace: string; cluster: string; profile: string } };

function plantIncomplete(key: string, user: string, hub: string | undefined): void {
  const labels = `{ app.kubernetes.io/managed-by: multicluster-kubespawner, mcks.hub.jupyter.org/key: ${key}, hub.jupyter.org/username: ${user}, hub.jupyter.org/servername: "", mcks.hub.jupyter.org/lifetime: server${hub ? `, mcks.hub.jupyter.org/hub: ${hub}` : ""} }`;
  const file = join(fb.dir, `${key}.yaml`);
  writeFileSync(file, `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ${key}, namespace: default, labels: ${labels} }\n`);
  kubectl(fb.bed, fb.clusters[0]!.context, ["create", "-f", file]);
}

describe("two hubs on one cluster and namespace", () => {
  it("a shared user name gets separate servers; one hub's stop and recovery never touch the other's", async () => {
    const a = await startServe(configs["huba"]!);
    const b = await startServe(configs["hubb"]!);
    daemons.push(a, b);
    const alice = `${prefix}alice`;
    const onA = await callDaemon<Started>(a, "server.start", { user: { name: alice }, server: "", profile: "p", options: {}, env: {} });
    const onB = await callDaemon<Started>(b, "server.start", { user: { name: alice }, server: "", profile: "p", options: {}, env: {} });
    assert.notEqual(onA.state.key, onB.state.key, "both hubs' alice share objects");
    const aObjects = mine().filter((o) => o.includes(onA.state.key) && !o.includes(onB.state.key));
    assert.ok(aObjects.length >= 4, aObjects.join(", "));

    // Objects of another hub's (and of an id-less hub's) incomplete starts, old enough to clean up.
    plantIncomplete(`jupyter-${prefix}carol`, `${prefix}carol`, "huba");
    plantIncomplete(`jupyter-${prefix}dave`, `${prefix}dave`, undefined);
    await callDaemon(b, "server.stop", { user: { name: alice }, server: "", state: onB.state, now: true });
    await b.stop();
    const b2 = await startServe(configs["hubb-quick"]!);
    daemons.push(b2);
    await sleep(6000); // twice hubb's start timeout: its recovery would have removed them by now
    const left = mine();
    for (const o of aObjects) assert.ok(left.includes(o), `hubb removed huba's ${o}`);
    assert.ok(left.some((o) => o.includes(`ServiceAccount/jupyter-${prefix}carol`)), "hubb removed huba's incomplete start");
    assert.ok(left.some((o) => o.includes(`ServiceAccount/jupyter-${prefix}dave`)), "hubb removed an id-less hub's incomplete start");
    assert.deepEqual(await callDaemon(a, "server.poll", { user: { name: alice }, server: "", state: onA.state }), { status: null });
    assert.deepEqual(await callDaemon(b2, "server.poll", { user: { name: alice }, server: "", state: onB.state }), { status: 0 });
    await callDaemon(a, "server.stop", { user: { name: alice }, server: "", state: onA.state, now: true });
    kubectl(fb.bed, fb.clusters[0]!.context, ["delete", "serviceaccount", "-n", "default", `jupyter-${prefix}carol`, `jupyter-${prefix}dave`]);
  });

  it("every object carries the hub label, and the Ingress rule the cluster's ingressHost", () => {
    const cfg = writeAttackConfig(fb, {
      profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true }`,
      clusterExtra: { 0: `namespace: "default", ingressHost: "a.hub.example.org"` },
      extra: `hubId: "huba",`,
      file: "host.ts",
    });
    const objects = JSON.parse(dryRun(cfg, ["--user", "alice"])) as { items?: unknown[] } | unknown[];
    const list = (Array.isArray(objects) ? objects : (objects.items ?? [])) as { kind: string; metadata: { labels: Record<string, string> }; spec?: { rules?: { host?: string }[] } }[];
    assert.ok(list.length >= 5);
    for (const o of list) assert.equal(o.metadata.labels["mcks.hub.jupyter.org/hub"], "huba", `${o.kind} lacks the hub label`);
    assert.equal(list.find((o) => o.kind === "Ingress")?.spec?.rules?.[0]?.host, "a.hub.example.org");
  });
});
