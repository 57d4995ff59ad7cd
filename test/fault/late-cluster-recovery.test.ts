/**
 * Issue 11, finding 11: a cluster that is unreachable when the daemon starts. The daemon (product
 * binary, on the bed) says so in its log at startup, and once the cluster answers it recovers
 * that cluster: its running servers are known again and the objects of a start that never
 * completed are removed. The cluster is made unreachable by cutting a TCP relay in front of its
 * API server (the API server itself keeps running).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureTokens } from "../testbed/certs.ts";
import { pkiDir } from "../testbed/layout.ts";
import { Relay } from "../integration/relay.ts";
import { kubectl } from "../integration/serve-fixture.ts";
import { allManaged, managedAfterStop, eventually, faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("late");
let fb: FaultBed;
let relay: Relay;
let config: string;
let firstConfig: string;
const daemons: ServeProcess[] = [];

before(async () => {
  fb = await faultBed("mcks-late-cluster-");
  const c = fb.clusters[0]!;
  relay = new Relay(new URL(c.apiserverUrl));
  await relay.open();
  const kubeconfig = join(fb.dir, "late-kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: late, cluster: { server: "https://127.0.0.1:${relay.port}", certificate-authority-data: ${readFileSync(join(pkiDir, "ca.crt")).toString("base64")} } }]
users: [{ name: u, user: { token: ${ensureTokens(c.index).restricted} } }]
contexts: [{ name: late, context: { cluster: late, user: u } }]
`,
    { mode: 0o600 },
  );
  // The second daemon removes an incomplete start once it is older than the start timeout: short
  // for it; the first daemon's real start gets the time a loaded bed may need.
  const configWith = (startTimeout: number) => `export default {
  clusters: { late: { context: "late", kubeconfig: ${JSON.stringify(kubeconfig)}, ingressPublicUrl: "${c.ingressUrl}", namespace: "default" } },
  defaults: { image: "testbed/singleuser:latest", cpuLimit: 1, memLimit: "256M", memGuarantee: "64M" },
  profiles: [{ slug: "late", displayName: "Late", cluster: "late", default: true }],
  startTimeout: ${startTimeout},
  pollGracePeriod: 120,
};
`;
  config = join(fb.dir, "late-config.ts");
  writeFileSync(config, configWith(5));
  firstConfig = join(fb.dir, "late-config-first.ts");
  writeFileSync(firstConfig, configWith(60));
});
after(async () => {
  for (const d of daemons) await d.stop();
  await relay?.cut();
});

const LABELS = (key: string, user: string) =>
  `{ app.kubernetes.io/managed-by: multicluster-kubespawner, mcks.hub.jupyter.org/key: ${key}, hub.jupyter.org/username: ${user}, hub.jupyter.org/servername: "", mcks.hub.jupyter.org/lifetime: server }`;

describe("a cluster unreachable at startup", () => {
  it("is logged at startup and recovered when it first answers", async () => {
    const running = `${prefix}run`;
    const first = await startServe(firstConfig);
    daemons.push(first);
    const c = await first.client();
    const r = await c.call("server.start", { user: { name: running }, server: "", profile: "late", options: {}, env: {} }, { timeoutMs: 120_000 });
    await c.close();
    await first.kill("SIGKILL");

    // What a daemon killed mid-start leaves: a ServiceAccount and a Secret, no Pod.
    const broken = `${prefix}broken`;
    const key = `jupyter-${broken}`;
    kubectl(fb.bed, fb.clusters[0]!.context, ["create", "-n", "default", "-f", writeIncomplete(key, broken)]);
    assert.ok(allManaged(fb, prefix).some((o) => o.includes(`Secret/${key}`)), "the incomplete start's objects exist");

    await relay.cut();
    const second = await startServe(config);
    daemons.push(second);
    await eventually("the startup log names the unreachable cluster", () => /cluster "late" is unreachable at startup .*recovered once it answers/.test(second.log()), 30_000);
    const poll = async () => {
      const p = await second.client();
      try {
        return (await p.call("server.poll", { user: { name: running }, server: "", state: r.state })).status;
      } finally {
        await p.close();
      }
    };
    assert.equal(await poll(), null, "a server on the unreachable cluster is running within the grace period");
    assert.ok(allManaged(fb, prefix).some((o) => o.includes(`Secret/${key}`)), "nothing was removed while the cluster was unreachable");

    await relay.open();
    // Other tests may have servers of their own on this cluster: the count is at least ours.
    await eventually("the cluster recovered once it answers", () => /cluster "late" answers: recovered [1-9]\d* running servers?/.test(second.log()), 90_000);
    await eventually("the incomplete start removed", () => !allManaged(fb, prefix).some((o) => o.includes(key)), 60_000);
    assert.equal(await poll(), null, "the running server is still running");
    const s = await second.client();
    await s.call("server.stop", { user: { name: running }, server: "", state: r.state, now: true }, { timeoutMs: 120_000 });
    await s.close();
    assert.deepEqual(await managedAfterStop(fb, prefix), []);
  });
});

function writeIncomplete(key: string, user: string): string {
  const file = join(fb.dir, "incomplete.yaml");
  writeFileSync(
    file,
    `apiVersion: v1
kind: ServiceAccount
metadata: { name: ${key}, labels: ${LABELS(key, user)} }
---
apiVersion: v1
kind: Secret
metadata: { name: ${key}, labels: ${LABELS(key, user)} }
stringData: { JUPYTERHUB_API_TOKEN: x }
`,
  );
  return file;
}
