/**
 * Load check for one agent: N mock servers (Pod + Service + Ingress each, like mcks renders)
 * created in parallel on a bed cluster, timed until every pod is Ready and every route answers
 * through the ingress, with the agent's memory (VmRSS) before/after; then deleted and timed again.
 *   node test/testbed/agent/bench.ts [--cluster 3] [--pods 1000] [--namespace bench]
 * Needs a running bed whose cluster has room for N pods (the real scheduler places them; a default
 * pool holds 2 × 110): e.g. `npm run testbed -- up --pools FILE` with
 * {"testbed-3": [{"name": "standard", "nodes": 10, "min": 10, "max": 10, "cpu": 16, "memory": "64Gi", "gpu": 0}]}.
 * Uses the admin context.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CoreV1Api, NetworkingV1Api } from "@kubernetes/client-node";
import { clustersJsonPath } from "../layout.ts";
import { PooledKubeConfig } from "./pooled-kubeconfig.ts";
import { Limiter } from "./limiter.ts";
import { httpGet } from "./testing.ts";

const { values } = parseArgs({ options: { cluster: { type: "string", default: "3" }, pods: { type: "string", default: "1000" }, namespace: { type: "string", default: "bench" } } });
const cluster = Number(values.cluster);
const n = Number(values.pods);
const ns = values.namespace!;
const clusters = JSON.parse(readFileSync(clustersJsonPath, "utf8")) as { kubeconfig: string; clusters: Array<{ index: number; context: string; ingressUrl: string }> };
const c = clusters.clusters.find((x) => x.index === cluster)!;
interface Health {
  pid: number;
  memoryMiB: { rss: number; heapUsed: number };
}
const health = async (): Promise<Health> => JSON.parse((await httpGet(`${c.ingressUrl}/_agent/healthz?gc=1`)).body) as Health;
const agentPid = (await health()).pid;
const kc = new PooledKubeConfig();
kc.loadFromFile(clusters.kubeconfig);
kc.setCurrentContext(c.context);
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const limit = new Limiter(32);

/** RSS and live heap (after a GC when the agent runs with --expose-gc). */
const rss = async () => {
  const h = await health();
  return `RSS ${h.memoryMiB.rss} MiB, heap ${h.memoryMiB.heapUsed} MiB`;
};
const cpu = () => {
  const f = readFileSync(`/proc/${agentPid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks → s
};
const name = (i: number) => `bench-${i}`;
const prefix = (i: number) => `/user/bench-${i}/`;

const room = (await core.listNode()).items.reduce((sum, node) => sum + Number(node.status?.allocatable?.pods ?? 0), 0);
if (room < n) throw new Error(`${c.context} has room for ${room} pods, not ${n}: start the bed with bigger pools (see the header of this file)`);
await core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
// kube-controller-manager makes the namespace's default ServiceAccount; pods wait for it.
while (!(await core.readNamespacedServiceAccount({ namespace: ns, name: "default" }).catch(() => undefined))) await sleep(200);
console.log(`agent-${cluster} pid ${agentPid}: ${await rss()} before, ${n} pods in namespace ${ns}`);
const cpu0 = cpu();
const t0 = Date.now();
await Promise.all(
  Array.from({ length: n }, (_, i) =>
    limit.run(async () => {
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: name(i), labels: { app: "bench", instance: name(i) } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: "notebook", image: "testbed/singleuser:latest", ports: [{ containerPort: 8888 }], env: [{ name: "JUPYTERHUB_SERVICE_PREFIX", value: prefix(i) }] }],
          },
        },
      });
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: name(i) }, spec: { selector: { instance: name(i) }, ports: [{ port: 8888 }] } } });
      await net.createNamespacedIngress({
        namespace: ns,
        body: {
          metadata: { name: name(i) },
          spec: { rules: [{ http: { paths: [{ path: prefix(i), pathType: "Prefix", backend: { service: { name: name(i), port: { number: 8888 } } } }] } }] },
        },
      });
    }),
  ),
);
const tCreated = Date.now();
console.log(`created ${n} × (Pod, Service, Ingress) in ${((tCreated - t0) / 1000).toFixed(1)} s`);
for (;;) {
  const pods = await core.listNamespacedPod({ namespace: ns });
  const ready = pods.items.filter((p) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True")).length;
  if (ready === n) break;
  await sleep(500);
}
const tReady = Date.now();
console.log(`all ${n} pods Ready ${((tReady - t0) / 1000).toFixed(1)} s after the first create; agent ${await rss()}`);
const pending = new Set(Array.from({ length: n }, (_, i) => i));
while (pending.size > 0) {
  await Promise.all(
    [...pending].map((i) =>
      limit.run(async () => {
        const r = await httpGet(`${c.ingressUrl}${prefix(i)}api`).catch(() => undefined);
        if (r?.status === 200 && r.headers["x-jupyterhub-version"]) pending.delete(i);
      }),
    ),
  );
  if (pending.size > 0) await sleep(300);
}
const tRoutes = Date.now();
console.log(`all ${n} routes answer through ${c.ingressUrl} ${((tRoutes - t0) / 1000).toFixed(1)} s after the first create; agent ${await rss()}, agent CPU ${(cpu() - cpu0).toFixed(1)} s`);
const t1 = Date.now();
const h0 = Date.now();
await Promise.all(Array.from({ length: n }, (_, i) => limit.run(() => httpGet(`${c.ingressUrl}${prefix(i)}api`))));
console.log(`${n} sequential-ish GETs through the ingress (32 in flight): ${Date.now() - h0} ms`);
await core.deleteCollectionNamespacedPod({ namespace: ns });
await net.deleteCollectionNamespacedIngress({ namespace: ns });
await Promise.all(Array.from({ length: n }, (_, i) => limit.run(() => core.deleteNamespacedService({ name: name(i), namespace: ns }).catch(() => undefined))));
for (;;) {
  const pods = await core.listNamespacedPod({ namespace: ns });
  if (pods.items.length === 0) break;
  await sleep(500);
}
console.log(`all ${n} pods deleted and finalized in ${((Date.now() - t1) / 1000).toFixed(1)} s; agent ${await rss()}`);
