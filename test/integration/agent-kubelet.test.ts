/**
 * The fake kubelets on the real bed (testbed-2): the agent registers the standard pool's Nodes
 * (capacity, labels, Leases); a pod applied with kubectl is bound by the real scheduler to one of
 * them, gets a loopback IP in the agent's 127.B.0.0/16 (127.12 unless another bed's agent holds
 * it), status and Events like a kubelet's, a mock server that answers on podIP:port under its
 * prefix, and on delete its server stops and the object goes.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import type { V1Lease, V1Node, V1Pod } from "@kubernetes/client-node";
import { claimIpRange } from "../testbed/agent/ip-range.ts";
import { agentTarget, condition, getJson, httpGet, kc, podEvents, podManifest, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
const nodeIps = new Map<string, string>();
const name = `agent-kubelet-${process.pid}`;
const prefix = `/user/${name}/`;

before(async () => {
  t = await agentTarget();
});

after(() => {
  if (t) kc(t, ["delete", "pod", name, "--ignore-not-found", "--wait=false"]);
});

function portAccepts(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

describe("fake kubelet", () => {
  test("registers the standard pool's Ready nodes with capacity, labels and a renewed Lease", async () => {
    for (const name of ["testbed-2-standard-0", "testbed-2-standard-1"]) {
      const node = getJson<V1Node>(t, `node/${name}`, "");
      assert.ok(node, `node ${name} is missing`);
      assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
      assert.deepEqual(
        { cpu: node.status?.allocatable?.cpu, memory: node.status?.allocatable?.memory, pods: node.status?.allocatable?.pods },
        { cpu: "4", memory: "16Gi", pods: "110" },
      );
      assert.equal(node.metadata?.labels?.["mcks.testbed/pool"], "standard");
      assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], name);
      assert.equal(node.status?.allocatable?.["nvidia.com/gpu"], undefined, "a standard node has no GPU");
      assert.deepEqual(node.spec?.taints ?? [], [], "a Ready standard node is untainted");
      const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
      assert.match(ip, /^127\.\d+\.255\.\d+$/);
      nodeIps.set(name, ip);
      const lease = () => getJson<V1Lease>(t, `lease/${name}`, "kube-node-lease");
      const first = lease()?.spec?.renewTime;
      assert.ok(first, `Lease kube-node-lease/${name} with a renewTime`);
      assert.equal(lease()?.metadata?.ownerReferences?.[0]?.uid, node.metadata?.uid, "the Lease is owned by its Node");
      await waitFor(`Lease of ${name} renewed`, () => (lease()?.spec?.renewTime !== first ? true : undefined), 15_000);
    }
    assert.notEqual(nodeIps.get("testbed-2-standard-0"), nodeIps.get("testbed-2-standard-1"));
  });

  test("another bed's agent with the same cluster number gets a different pod IP range", async () => {
    const other = await claimIpRange(2);
    try {
      const ours = [...nodeIps.values()][0]!.split(".")[1];
      assert.notEqual(String(other.second), ours, "the range held by testbed-2's agent was handed out again");
    } finally {
      other.claim.close();
    }
  });

  let pod: V1Pod;
  test("the scheduler binds the pod, the kubelet reports it Running and Ready", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(name, "testbed/singleuser:latest", `\n      env: [{ name: JUPYTERHUB_SERVICE_PREFIX, value: "${prefix}" }]`));
    pod = await waitFor(`pod ${name} Ready`, () => {
      const p = getJson<V1Pod>(t, `pod/${name}`);
      return p && condition(p, "Ready")?.status === "True" ? p : undefined;
    });
    const nodeIp = nodeIps.get(pod.spec?.nodeName ?? "");
    assert.ok(nodeIp, `bound to ${pod.spec?.nodeName}, not a standard node`);
    assert.equal(pod.status?.phase, "Running");
    for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
      assert.equal(condition(pod, type)?.status, "True", `condition ${type}`);
    }
    const ip = pod.status?.podIP ?? "";
    const range = nodeIp.split(".").slice(0, 2).join(".");
    assert.ok(ip.startsWith(`${range}.`) && /^127(\.\d+){3}$/.test(ip), `pod IP ${ip} is not in the node's ${range}.0.0/16`);
    assert.doesNotMatch(ip, /^127\.\d+\.255\./, "node addresses must not go to a pod");
    assert.deepEqual(pod.status?.podIPs, [{ ip }]);
    assert.equal(pod.status?.hostIP, nodeIp);
    assert.ok(pod.status?.startTime, "startTime is set");
    const cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.name, "notebook");
    assert.equal(cs?.ready, true);
    assert.equal(cs?.started, true);
    assert.equal(cs?.restartCount, 0);
    assert.ok(cs?.state?.running?.startedAt, "state.running.startedAt");
    assert.match(cs?.containerID ?? "", /^containerd:\/\/[0-9a-f]{64}$/);
  });

  test("records Scheduled, Pulling, Pulled, Created, Started about the pod", async () => {
    const events = await waitFor("five lifecycle events", () => {
      const ev = podEvents(t, name);
      return ["Scheduled", "Pulling", "Pulled", "Created", "Started"].every((r) => ev.some((e) => e.reason === r)) ? ev : undefined;
    });
    for (const e of events) {
      assert.equal(e.involvedObject.kind, "Pod");
      assert.equal(e.involvedObject.uid, pod.metadata?.uid);
      assert.equal(e.type, "Normal");
    }
    const scheduled = events.find((e) => e.reason === "Scheduled")!;
    assert.equal(scheduled.reportingComponent, "default-scheduler", "the real scheduler bound it");
    assert.equal(scheduled.message, `Successfully assigned default/${name} to ${pod.spec?.nodeName}`);
    const started = events.find((e) => e.reason === "Started")!;
    assert.equal(started.source?.component, "kubelet");
    assert.equal(started.source?.host, pod.spec?.nodeName);
    assert.equal(started.involvedObject.fieldPath, "spec.containers{notebook}");
    assert.match(events.find((e) => e.reason === "Pulling")!.message, /^Pulling image "testbed\/singleuser:latest"$/);
  });

  test("the mock server answers on podIP:8888 under the prefix only", async () => {
    const base = `http://${pod.status?.podIP}:8888`;
    const api = await httpGet(`${base}${prefix}api`);
    assert.equal(api.status, 200);
    assert.ok(api.headers["x-jupyterhub-version"], "X-JupyterHub-Version header");
    assert.ok(typeof JSON.parse(api.body).version === "string");
    const deep = await httpGet(`${base}${prefix}lab/tree/x.ipynb`);
    assert.equal(deep.status, 200);
    assert.equal(JSON.parse(deep.body).pod, name);
    assert.equal((await httpGet(`${base}/user/someone-else/api`)).status, 404);
  });

  test("init containers are reported Completed, sidecars running", async () => {
    const init = `${name}-init`;
    kc(
      t,
      ["apply", "-f", "-"],
      `
apiVersion: v1
kind: Pod
metadata: { name: ${init} }
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
    - { name: setup, image: busybox:1.36 }
    - { name: proxy, image: envoy:1, restartPolicy: Always }
  containers:
    - { name: notebook, image: testbed/singleuser:latest }
`,
    );
    try {
      const p = await waitFor(`pod ${init} Ready`, () => {
        const x = getJson<V1Pod>(t, `pod/${init}`);
        return x && condition(x, "Ready")?.status === "True" ? x : undefined;
      });
      const [setup, proxy] = p.status?.initContainerStatuses ?? [];
      assert.equal(setup?.name, "setup");
      assert.equal(setup?.state?.terminated?.reason, "Completed");
      assert.equal(setup?.state?.terminated?.exitCode, 0);
      assert.equal(proxy?.name, "proxy");
      assert.ok(proxy?.state?.running, "a sidecar init container keeps running");
    } finally {
      kc(t, ["delete", "pod", init, "--ignore-not-found", "--wait=false"]);
    }
  });

  test("deleting the pod stops its server and removes the object", async () => {
    const ip = pod.status?.podIP ?? "";
    kc(t, ["delete", "pod", name, "--wait=false"]);
    await waitFor("pod object gone", () => (getJson<V1Pod>(t, `pod/${name}`) === undefined ? true : undefined), 15_000);
    assert.equal(await portAccepts(ip, 8888), false, `${ip}:8888 still accepts connections`);
    // Events are recorded apart from the state they report (as the kubelet's recorder does).
    await waitFor("a Killing event recorded", () => (podEvents(t, name).some((e) => e.reason === "Killing") ? true : undefined), 30_000, 250);
  });
});
