/**
 * The fake kubelet on the real bed (testbed-2): a pod applied with kubectl is bound to the node,
 * gets a loopback IP in the node's 127.B.0.0/16 (127.12 unless another bed's agent holds it),
 * status and Events like a kubelet's, a mock server that
 * answers on podIP:port under its prefix, and on delete its server stops and the object goes.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { claimIpRange } from "../testbed/agent/ip-range.ts";
import { agentTarget, condition, getJson, httpGet, kc, podEvents, podManifest, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
let nodeIp = "";
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
  test("registers a Ready node with room for 1000 pods", () => {
    const node = getJson<V1Node>(t, "node/testbed-2-node", "");
    assert.ok(node, "node testbed-2-node is missing");
    assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    assert.ok(Number(node.status?.allocatable?.pods) >= 1000, `allocatable pods: ${node.status?.allocatable?.pods}`);
    nodeIp = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    assert.match(nodeIp, /^127\.\d+\.0\.1$/);
    assert.notEqual(nodeIp, "127.0.0.1");
  });

  test("another bed's agent with the same cluster number gets a different pod IP range", async () => {
    const other = await claimIpRange(2);
    try {
      assert.notEqual(`127.${other.second}.0.1`, nodeIp, "the range held by testbed-2's agent was handed out again");
    } finally {
      other.claim.close();
    }
  });

  let pod: V1Pod;
  test("binds the pod and reports it Running and Ready like a kubelet", async () => {
    kc(t, ["apply", "-f", "-"], podManifest(name, "testbed/singleuser:latest", `\n      env: [{ name: JUPYTERHUB_SERVICE_PREFIX, value: "${prefix}" }]`));
    pod = await waitFor(`pod ${name} Ready`, () => {
      const p = getJson<V1Pod>(t, `pod/${name}`);
      return p && condition(p, "Ready")?.status === "True" ? p : undefined;
    });
    assert.equal(pod.spec?.nodeName, "testbed-2-node");
    assert.equal(pod.status?.phase, "Running");
    for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
      assert.equal(condition(pod, type)?.status, "True", `condition ${type}`);
    }
    const ip = pod.status?.podIP ?? "";
    const range = nodeIp.split(".").slice(0, 2).join(".");
    assert.ok(ip.startsWith(`${range}.`) && /^127(\.\d+){3}$/.test(ip), `pod IP ${ip} is not in the node's ${range}.0.0/16`);
    assert.notEqual(ip, nodeIp, "the node's own address must not go to a pod");
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
    assert.equal(scheduled.source?.component, "default-scheduler");
    assert.equal(scheduled.message, `Successfully assigned default/${name} to testbed-2-node`);
    const started = events.find((e) => e.reason === "Started")!;
    assert.equal(started.source?.component, "kubelet");
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
    const killing = podEvents(t, name).find((e) => e.reason === "Killing");
    assert.ok(killing, "a Killing event was recorded");
  });
});
