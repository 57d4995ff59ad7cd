/**
 * Starts on clusters that behave like real clouds, through `mcks serve` and the bed's restricted
 * identities: the GPU profile of test/testbed/config.ts waits for a scale-up of testbed-2's gpu
 * pool from zero (and says so, with how long scale-ups took there), a pod no pool fits fails fast
 * with cluster-autoscaler's NotTriggerScaleUp, a pod no autoscaler answers fails after the
 * cluster's unschedulableTimeout, home volumes of both storage classes are waited for, a quota
 * too small fails at apply; and a running server the cluster ends (its node lost, an eviction) is
 * reported stopped and cleaned up by the daemon.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RpcClient } from "../../src/rpc/client.ts";
import type { ServerState } from "../../src/rpc/protocol.ts";
import { EVICTION_TOLERATION_SECONDS, NODE_MONITOR_GRACE_SECONDS } from "../testbed/components.ts";
import { repoRoot } from "../testbed/layout.ts";
import { cleanKeys, ensureBed, kubectl, managedObjects, objectsAfterStop, startServe, tempDir, type Bed, type ServeProcess } from "./serve-fixture.ts";

const USERS = ["gpu-ann", "gpu-ben", "gpu-cy", "vol-dee", "vol-eli", "quota-fay", "aff-gus", "down-hal", "evict-ida"];
/** The cluster's unschedulableTimeout for testbed-1 in this test's config (seconds). */
const UNSCHEDULABLE_TIMEOUT = 8;

let bed: Bed;
let serve: ServeProcess;
let client: RpcClient;
const progress = new Map<string, string[]>();
const downNodes = new Set<string>();
let quotaOn = false;

const user = (name: string) => ({ name });
const key = (name: string) => `jupyter-${name}`;

/** `npm run testbed -- fault …`, as an operator would inject it. */
function fault(...args: string[]): void {
  const r = spawnSync(process.execPath, [join(repoRoot, "test/testbed/cli.ts"), "fault", ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`fault ${args.join(" ")} failed: ${r.stdout}${r.stderr}`);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const gpuNodes = (): string[] => kubectl(bed, "testbed-2", ["get", "nodes", "-l", "mcks.testbed/pool=gpu", "-o", "jsonpath={.items[*].metadata.name}"]).split(/\s+/).filter(Boolean);
const podNode = (cluster: string, name: string): string => kubectl(bed, cluster, ["get", "pod", key(name), "-o", "jsonpath={.spec.nodeName}"]);

async function start(name: string, profile: string) {
  const mine: string[] = [];
  progress.set(name, mine);
  return client.call("server.start", { user: user(name), profile });
}

/** Required affinity to pods nobody runs: the scheduler places it nowhere, and the bed's autoscaler (which knows no pod affinity) says nothing. */
const affinityToNobody = `
kind: Pod
metadata:
  name: "{{key}}"
spec:
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels:
            mcks.testbed/nobody: "here"
        topologyKey: kubernetes.io/hostname
`;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  cleanKeys(bed, USERS.map(key));
  for (const c of bed.clusters) kubectl(bed, c.context, ["delete", "pvc", "-l", `mcks.hub.jupyter.org/key in (${USERS.map(key).join(",")})`, "--ignore-not-found", "--wait=true"]);
  // The bed's own config (the GPU profiles), with home-volume (the storage setting) and affinity profiles added and a short
  // unschedulableTimeout on testbed-1.
  const dir = tempDir("mcks-autoscaling-");
  const configPath = join(dir, "config.ts");
  writeFileSync(
    configPath,
    `import base from ${JSON.stringify(join(repoRoot, "test/testbed/config.ts"))};
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  ...base,
  clusters: { ...base.clusters, "testbed-1": { ...base.clusters["testbed-1"], unschedulableTimeout: ${UNSCHEDULABLE_TIMEOUT} } },
  profiles: [
    ...base.profiles,
    { slug: "home-standard", displayName: "Home (standard)", cluster: "testbed-1", storage: { capacity: "1Gi", storageClass: "standard" } },
    { slug: "home-immediate", displayName: "Home (immediate)", cluster: "testbed-1", storage: { capacity: "1Gi", storageClass: "immediate" } },
    { slug: "nowhere", displayName: "Nowhere", cluster: "testbed-1", patches: { "10-affinity": ${JSON.stringify(affinityToNobody)} } },
  ],
});
`,
  );
  // Another test may have left a gpu node that is still being scaled down (empty for 20 s).
  await until("testbed-2's gpu pool to be empty", () => (gpuNodes().length === 0 ? true : undefined), 120_000, 1000);
  serve = await startServe(configPath);
  client = await serve.client((method, params) => {
    if (method !== "server.progress") return;
    const p = params as { user: string; event: { message: string } };
    progress.get(p.user)?.push(p.event.message);
  });
});

after(async () => {
  if (quotaOn) fault("testbed-3", "quota", "default", "none");
  for (const n of downNodes) fault("testbed-3", "node-up", n);
  await client?.close();
  await serve?.stop();
  if (bed) cleanKeys(bed, USERS.map(key));
});

describe("starts that wait for the cluster", () => {
  it("testbed-2-gpu starts from zero GPU nodes: the progress shows the scale-up, the pool grows 0 → 1 and the pod runs there", async (t) => {
    assert.deepEqual(gpuNodes(), []);
    const t0 = Date.now();
    const ann = await start("gpu-ann", "testbed-2-gpu");
    const seconds = (Date.now() - t0) / 1000;
    t.diagnostic(`gpu cold start on the bed: ${seconds.toFixed(1)} s; progress: ${progress.get("gpu-ann")!.join(" | ")}`);
    const said = progress.get("gpu-ann")!;
    const waiting = said.findIndex((m) => m.startsWith("Waiting for a node: 0/2 nodes are available: "));
    const adding = said.findIndex((m) => m === "Adding a node to testbed-2: gpu 0 → 1 node (max 2)");
    assert.ok(waiting >= 0 && adding > waiting, `progress: ${said.join(" | ")}`);
    const nodes = gpuNodes();
    assert.equal(nodes.length, 1, `gpu nodes: ${nodes.join(", ")}`);
    assert.equal(podNode("testbed-2", "gpu-ann"), nodes[0]);
    assert.deepEqual(await client.call("server.poll", { user: user("gpu-ann"), state: ann.state }), { status: null });
    assert.equal((await fetch(`${ann.url}api`)).status, 200);

    // A second GPU server needs a second node: its message says how long the first scale-up took.
    const ben = await start("gpu-ben", "testbed-2-gpu");
    const second = progress.get("gpu-ben")!.find((m) => m.startsWith("Adding a node to testbed-2: "));
    assert.match(second ?? "", /^Adding a node to testbed-2: gpu 1 → 2 nodes \(max 2\); the last one here took about \d+(\.\d)? (s|min)$/, progress.get("gpu-ben")!.join(" | "));
    assert.equal(gpuNodes().length, 2);
    await Promise.all([
      client.call("server.stop", { user: user("gpu-ann"), state: ann.state, now: true }),
      client.call("server.stop", { user: user("gpu-ben"), state: ben.state, now: true }),
    ]);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", key("gpu-ann")), []);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", key("gpu-ben")), []);
  });

  it("testbed-2-gpu-x4 fits no pool: fails within 30 s with NotTriggerScaleUp's message and leaves nothing", async () => {
    const before = gpuNodes().length;
    const t0 = Date.now();
    await assert.rejects(start("gpu-cy", "testbed-2-gpu-x4"), (e: Error) => {
      assert.match(e.message, /NotTriggerScaleUp: no node of testbed-2 can take it and its cluster autoscaler will not add one: pod didn't trigger scale-up: .*Insufficient nvidia\.com\/gpu/);
      assert.match(e.message, /the scheduler: 0\/\d+ nodes are available/);
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 30_000, `failed after ${elapsed} ms`);
    assert.ok(progress.get("gpu-cy")!.some((m) => m.startsWith("Waiting for a node: ")), progress.get("gpu-cy")!.join(" | "));
    assert.deepEqual(await objectsAfterStop(bed, "testbed-2", key("gpu-cy")), []);
    assert.ok(gpuNodes().length <= before, "no node was added for it");
  });

  it("a pod the scheduler cannot place and no autoscaler answers for fails after the cluster's unschedulableTimeout", async () => {
    const t0 = Date.now();
    await assert.rejects(start("aff-gus", "nowhere"), (e: Error) => {
      assert.match(e.message, /Unschedulable: 0\/\d+ nodes are available: .*pod affinity/);
      assert.match(e.message, new RegExp(`no node of testbed-1 could take it for ${UNSCHEDULABLE_TIMEOUT} s and no cluster autoscaler answered`));
      return true;
    });
    const elapsed = (Date.now() - t0) / 1000;
    assert.ok(elapsed >= UNSCHEDULABLE_TIMEOUT && elapsed < UNSCHEDULABLE_TIMEOUT + 40, `failed after ${elapsed} s`);
    assert.deepEqual(await objectsAfterStop(bed, "testbed-1", key("aff-gus")), []);
  });

  for (const [name, profile, slow] of [["vol-dee", "home-standard", false], ["vol-eli", "home-immediate", true]] as const) {
    it(`a home volume of class ${profile.slice(5)} is provisioned and bound, and the server starts${slow ? " (saying it waits for the volume)" : ""}`, async () => {
      const started = await start(name, profile);
      const pvc = JSON.parse(kubectl(bed, "testbed-1", ["get", "pvc", `${key(name)}-home`, "-o", "json"])) as { status: { phase: string }; spec: { storageClassName: string } };
      assert.equal(pvc.status.phase, "Bound");
      assert.equal(pvc.spec.storageClassName, profile.slice(5));
      if (slow) assert.ok(progress.get(name)!.includes(`Waiting for volume ${key(name)}-home`), progress.get(name)!.join(" | "));
      await client.call("server.stop", { user: user(name), state: started.state, now: true });
      const home = [`PersistentVolumeClaim/${key(name)}-home`];
      assert.deepEqual(await objectsAfterStop(bed, "testbed-1", key(name), home), home);
      await client.call("server.delete", { user: user(name), state: started.state });
      assert.deepEqual(managedObjects(bed, "testbed-1", key(name)), []);
    });
  }

  it("a ResourceQuota smaller than the pod: a clear error at apply, and nothing left", async () => {
    fault("testbed-3", "quota", "default", "requests.cpu=50m");
    quotaOn = true;
    // Admission refuses everything until the quota controller has computed what is used.
    await until("the quota's status", () => (kubectl(bed, "testbed-3", ["get", "resourcequota", "testbed-fault", "-o", "jsonpath={.status.used}"]) ? true : undefined), 30_000);
    try {
      await assert.rejects(start("quota-fay", "testbed-3"), (e: Error) => {
        assert.match(e.message, /^cluster testbed-3 has no room for this server in namespace default \(its ResourceQuota\): Pod\/jupyter-quota-fay: .*exceeded quota: testbed-fault, requested: requests\.cpu=100m, used: requests\.cpu=\d+m?, limited: requests\.cpu=50m; stop another server there, choose a smaller profile, or ask the operator to raise the namespace's ResourceQuota$/);
        return true;
      });
      assert.deepEqual(await objectsAfterStop(bed, "testbed-3", key("quota-fay")), []);
    } finally {
      fault("testbed-3", "quota", "default", "none");
      quotaOn = false;
    }
  });
});

describe("a running server the cluster ends", () => {
  async function stoppedWithin(name: string, state: ServerState, ms: number): Promise<number> {
    const t0 = Date.now();
    await until(`poll of ${name} to report it stopped`, async () => {
      const r = await client.call("server.poll", { user: user(name), state });
      return r.status === null ? undefined : r.status;
    }, ms, 500);
    return Date.now() - t0;
  }

  it("node-down: poll reports it stopped within the node grace and eviction time; the daemon says why and removes it", async (t) => {
    const started = await start("down-hal", "testbed-3");
    const node = podNode("testbed-3", "down-hal");
    fault("testbed-3", "node-down", node);
    downNodes.add(node);
    const limit = (NODE_MONITOR_GRACE_SECONDS + EVICTION_TOLERATION_SECONDS) * 1000;
    const took = await stoppedWithin("down-hal", started.state, limit + 30_000);
    t.diagnostic(`stopped after ${took} ms (node grace ${NODE_MONITOR_GRACE_SECONDS} s + eviction ${EVICTION_TOLERATION_SECONDS} s)`);
    await until("the daemon's cleanup", () => (managedObjects(bed, "testbed-3", key("down-hal")).length === 0 ? true : undefined), 30_000);
    const lost = new RegExp(`jupyter-down-hal on testbed-3 ended without a stop: its node ${node} became unreachable or not ready, and Kubernetes evicted it`);
    assert.match(await serve.logged((l) => lost.test(l)), lost);
    // The hub then stops it: nothing to do, and it does not hang on the lost node.
    await client.call("server.stop", { user: user("down-hal"), state: started.state });
    fault("testbed-3", "node-up", node);
    downNodes.delete(node);
    await until(`node ${node} Ready again`, () => {
      const ready = kubectl(bed, "testbed-3", ["get", "node", node, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`]);
      const taints = kubectl(bed, "testbed-3", ["get", "node", node, "-o", "jsonpath={.spec.taints}"]);
      return ready === "True" && !taints ? true : undefined;
    }, 60_000, 500);
  });

  it("evict: poll reports it stopped, the daemon says why, nothing but the user's objects stays", async () => {
    const started = await start("evict-ida", "testbed-3");
    fault("testbed-3", "evict", `default/${key("evict-ida")}`);
    await stoppedWithin("evict-ida", started.state, 30_000);
    await until("the daemon's cleanup", () => (managedObjects(bed, "testbed-3", key("evict-ida")).length === 0 ? true : undefined), 30_000);
    const evicted = /jupyter-evict-ida on testbed-3 ended without a stop: it was evicted through the Eviction API/;
    assert.match(await serve.logged((l) => evicted.test(l)), evicted);
    await client.call("server.stop", { user: user("evict-ida"), state: started.state });
  });
});
