/**
 * `npm run testbed -- fault …` on testbed-3, judged by what the real controllers make of it:
 * node-down → the node goes NotReady (node lifecycle, from the missing Lease renewals), its pod
 * stops answering and is evicted by taint eviction (Terminating, DisruptionTarget), and node-up
 * lets the kubelet finish the deletion; evict → the Eviction API deletes the pod; quota → the
 * ResourceQuota admission rejects a pod over it; a LimitRange fills in defaults.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { ensureBed } from "../testbed/bed.ts";
import { condition, getJson, kc, podEvents, podManifest, waitFor, type Target } from "../testbed/agent/testing.ts";
import { EVICTION_TOLERATION_SECONDS, NODE_MONITOR_GRACE_SECONDS } from "../testbed/components.ts";
import { repoRoot } from "../testbed/layout.ts";

let t: Target;
const id = process.pid;
const victim = `fault-node-${id}`;
const evictee = `fault-evict-${id}`;
const ns = `fault-quota-${id}`;
let downNode = "";

function cli(...args: string[]): { status: number; out: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "test/testbed/cli.ts"), ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

const portAccepts = (ip: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: ip, port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

async function readyPod(name: string): Promise<V1Pod> {
  return waitFor(`pod ${name} Ready`, () => {
    const p = getJson<V1Pod>(t, `pod/${name}`);
    return p && condition(p, "Ready")?.status === "True" ? p : undefined;
  }, 30_000, 250);
}

before(async () => {
  const bed = await ensureBed({ clusters: 3 });
  t = { kubeconfig: bed.kubeconfig, context: bed.clusters[2]!.context };
});

after(() => {
  if (!t) return;
  if (downNode) cli("fault", "testbed-3", "node-up", downNode);
  kc(t, ["delete", "pod", victim, evictee, "--ignore-not-found", "--wait=false"]);
  kc(t, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]);
});

describe("faults on testbed-3", () => {
  test("node-down: NotReady, the pod stops answering and is evicted by taint eviction; node-up finishes the deletion", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(victim, "testbed/singleuser:latest"));
    const pod = await readyPod(victim);
    downNode = pod.spec!.nodeName!;
    const ip = pod.status!.podIP!;
    assert.equal(await portAccepts(ip, 8888), true);

    const down = cli("fault", "testbed-3", "node-down", downNode);
    assert.equal(down.status, 0, down.out);
    const t0 = Date.now();
    await waitFor("the pod's process to die with its node", async () => ((await portAccepts(ip, 8888)) ? undefined : true), 5000, 100);
    const budget = (NODE_MONITOR_GRACE_SECONDS + EVICTION_TOLERATION_SECONDS + 30) * 1000;
    const notReady = await waitFor(`node ${downNode} NotReady`, () => {
      const n = getJson<V1Node>(t, `node/${downNode}`, "");
      const ready = n?.status?.conditions?.find((c) => c.type === "Ready");
      return ready && ready.status !== "True" ? ready : undefined;
    }, budget, 500);
    assert.equal(notReady.status, "Unknown");
    assert.equal(notReady.reason, "NodeStatusUnknown");
    const evicted = await waitFor("the pod evicted", () => {
      const p = getJson<V1Pod>(t, `pod/${victim}`);
      return p?.metadata?.deletionTimestamp ? p : undefined;
    }, budget, 500);
    const elapsed = (Date.now() - t0) / 1000;
    assert.ok(elapsed >= NODE_MONITOR_GRACE_SECONDS, `evicted after ${elapsed} s, before the node grace period`);
    assert.equal(condition(evicted, "DisruptionTarget")?.reason, "DeletionByTaintManager");
    assert.equal(condition(evicted, "Ready")?.status, "False", "node lifecycle marked the pod not Ready");
    const taints = getJson<V1Node>(t, `node/${downNode}`, "")?.spec?.taints?.map((x) => `${x.key}:${x.effect}`) ?? [];
    assert.ok(taints.includes("node.kubernetes.io/unreachable:NoExecute"), taints.join(", "));
    await waitFor("a TaintManagerEviction event", () => (podEvents(t, victim).some((e) => e.reason === "TaintManagerEviction") ? true : undefined), 30_000, 250);
    // Nobody confirms the deletion while the node is dead: the pod stays Terminating.
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(getJson<V1Pod>(t, `pod/${victim}`), "a pod on a dead node stays until its kubelet or someone else finishes it");

    const up = cli("fault", "testbed-3", "node-up", downNode);
    assert.equal(up.status, 0, up.out);
    downNode = "";
    await waitFor("the pod finalized by the returning kubelet", () => (getJson<V1Pod>(t, `pod/${victim}`) === undefined ? true : undefined), 30_000, 250);
    await waitFor("the node Ready and untainted again", () => {
      const n = getJson<V1Node>(t, `node/${pod.spec!.nodeName!}`, "");
      return n?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") && !(n.spec?.taints ?? []).length ? true : undefined;
    }, 30_000, 250);
  });

  test("node-down of a node the agent does not own fails with a clear message", () => {
    const r = cli("fault", "testbed-3", "node-down", "no-such-node");
    assert.equal(r.status, 1);
    assert.match(r.out, /node no-such-node does not belong to this agent/);
  });

  test("evict: the Eviction API deletes the pod, the kubelet finishes it", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(evictee, "testbed/singleuser:latest"));
    await readyPod(evictee);
    const r = cli("fault", "testbed-3", "evict", `default/${evictee}`);
    assert.equal(r.status, 0, r.out);
    await waitFor("the evicted pod gone", () => (getJson<V1Pod>(t, `pod/${evictee}`) === undefined ? true : undefined), 30_000, 250);
    await waitFor("the kubelet's Killing event (it stopped the container)", () => (podEvents(t, evictee).some((e) => e.reason === "Killing") ? true : undefined), 30_000, 250);
  });

  test("quota: a pod over the ResourceQuota is rejected at admission; a LimitRange fills in defaults", async () => {
    kc(t, ["create", "namespace", ns]);
    await waitFor(`ServiceAccount ${ns}/default`, () => (kc(t, ["-n", ns, "get", "serviceaccounts", "-o", "name"]).includes("default") ? true : undefined), 20_000, 250);
    const q = cli("fault", "testbed-3", "quota", ns, "requests.cpu=500m,limits.memory=1Gi,pods=2");
    assert.equal(q.status, 0, q.out);
    kc(t, ["apply", "-f", "-"], `apiVersion: v1\nkind: LimitRange\nmetadata: { name: defaults, namespace: ${ns} }\nspec:\n  limits: [{ type: Container, default: { memory: 256Mi, cpu: 200m }, defaultRequest: { memory: 64Mi, cpu: 100m } }]\n`);
    // The quota controller must have computed `used` before admission lets anything in.
    await waitFor("quota status", () => (kc(t, ["-n", ns, "get", "resourcequota", "testbed-fault", "-o", "jsonpath={.status.used.pods}"]) === "0" ? true : undefined), 30_000, 250);
    const big = podManifest("big", "testbed/singleuser:latest", "\n      resources: { requests: { cpu: '1' }, limits: { cpu: '1', memory: 128Mi } }").replace("metadata: {", `metadata: { namespace: ${ns},`);
    const r = spawnSync("kubectl", ["--kubeconfig", t.kubeconfig, "--context", t.context, "apply", "-f", "-"], { input: big, encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /exceeded quota: testbed-fault, requested: requests\.cpu=1, used: requests\.cpu=0, limited: requests\.cpu=500m/);
    const small = podManifest("small", "testbed/singleuser:latest").replace("metadata: {", `metadata: { namespace: ${ns},`);
    kc(t, ["apply", "-f", "-"], small);
    const p = getJson<V1Pod>(t, "pod/small", ns)!;
    assert.deepEqual(p.spec?.containers[0]?.resources, { limits: { cpu: "200m", memory: "256Mi" }, requests: { cpu: "100m", memory: "64Mi" } }, "LimitRanger defaults");
    const off = cli("fault", "testbed-3", "quota", ns, "none");
    assert.equal(off.status, 0, off.out);
    assert.equal(getJson(t, "resourcequota/testbed-fault", ns), undefined);
    const bad = cli("fault", "testbed-3", "quota", ns, "cpu");
    assert.equal(bad.status, 1);
    assert.match(bad.out, /"cpu" is not name=quantity/);
  });
});
