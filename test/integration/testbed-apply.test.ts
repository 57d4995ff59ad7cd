/**
 * The bed as a whole: a Pod, Service and Ingress applied with kubectl to testbed-2 are stored by
 * the real API server (and only on testbed-2: each cluster has its own etcd prefix), the fake
 * kubelet makes the pod Ready, and the server answers through testbed-2's ingress URL.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";

let bed: Bed;
let c2: BedCluster;
const name = `apply-${process.pid}`;
const prefix = `/user/${name}/`;
const manifest = `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: ${name} } }
spec:
  containers:
    - name: notebook
      image: testbed/singleuser:latest
      ports: [{ containerPort: 8888 }]
      env: [{ name: JUPYTERHUB_SERVICE_PREFIX, value: "${prefix}" }]
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ port: 8888, targetPort: 8888 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name} }
spec:
  rules:
    - http:
        paths:
          - path: ${prefix}
            pathType: Prefix
            backend: { service: { name: ${name}, port: { number: 8888 } } }
`;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c2 = bed.clusters.find((c) => c.name === "testbed-2")!;
  assert.ok(c2, "the bed has no testbed-2");
});

after(() => {
  if (c2) kubectl(bed.kubeconfig, c2.context, ["delete", `pod/${name}`, `service/${name}`, `ingress/${name}`, "--ignore-not-found", "--wait=false"]);
});

describe("kubectl apply to testbed-2", () => {
  test("kubeconfig has an admin and a restricted context per cluster, and clusters.json matches", () => {
    const r = kubectl(bed.kubeconfig, c2.context, ["config", "get-contexts", "-o", "name"]);
    assert.equal(r.status, 0, r.stderr);
    const contexts = r.stdout.trim().split("\n").sort();
    assert.deepEqual(contexts, bed.clusters.flatMap((c) => [c.context, c.restrictedContext]).sort());
    assert.deepEqual(bed.clusters.map((c) => c.name), ["testbed-1", "testbed-2", "testbed-3"]);
    for (const c of bed.clusters) assert.equal(c.ingressUrl, `http://127.0.0.1:${c.ingressPort}`);
    const v = kubectl(bed.kubeconfig, c2.context, ["version", "-o", "json"]);
    assert.equal(JSON.parse(v.stdout).serverVersion.gitVersion, bed.kubernetesVersion);
  });

  test("a Pod, Service and Ingress are stored on testbed-2 and nowhere else", () => {
    const r = kubectl(bed.kubeconfig, c2.context, ["apply", "-f", "-"], manifest);
    assert.equal(r.status, 0, r.stderr);
    const got = kubectl(bed.kubeconfig, c2.context, ["get", `pod/${name}`, `service/${name}`, `ingress/${name}`, "-o", "name"]);
    assert.equal(got.status, 0, got.stderr);
    assert.deepEqual(got.stdout.trim().split("\n"), [`pod/${name}`, `service/${name}`, `ingress.networking.k8s.io/${name}`]);
    const svc = JSON.parse(kubectl(bed.kubeconfig, c2.context, ["get", `service/${name}`, "-o", "json"]).stdout);
    assert.match(svc.spec.clusterIP, /^10\.96\./, "the API server allocates ClusterIPs itself");
    for (const other of bed.clusters.filter((c) => c !== c2)) {
      const miss = kubectl(bed.kubeconfig, other.context, ["get", `pod/${name}`]);
      assert.notEqual(miss.status, 0, `pod ${name} leaked into ${other.name}`);
      assert.match(miss.stderr, /NotFound|not found/);
    }
  });

  test("the pod becomes Ready and answers through testbed-2's ingress URL", async (t) => {
    assert.ok(bed.agents, "test/testbed/agent/main.ts does not exist: no fake kubelet/ingress runs, so nothing can become Ready");
    const w = kubectl(bed.kubeconfig, c2.context, ["wait", "--for=condition=Ready", `pod/${name}`, "--timeout=30s"]);
    assert.equal(w.status, 0, `pod did not become Ready: ${w.stderr}`);
    // The ingress controller picks routes up with a deliberate delay, as real ones do.
    const deadline = Date.now() + 30_000;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${c2.ingressUrl}${prefix}api`);
        const body = await res.text();
        if (res.status === 200) {
          assert.ok(res.headers.get("x-jupyterhub-version"), "the mock single-user server sets X-JupyterHub-Version");
          assert.ok(JSON.parse(body).version, `unexpected body ${body}`);
          return;
        }
        last = `${res.status} ${body.slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await sleep(250);
    }
    t.diagnostic(`last answer: ${last}`);
    assert.fail(`${c2.ingressUrl}${prefix}api did not answer 200 within 30 s (last: ${last})`);
  });
});
