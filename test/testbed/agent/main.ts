/**
 * One test-bed agent per cluster: everything a real cluster runs besides the control plane, for
 * what cannot run here — the kubelets of its node pools (nodes.ts, kubelet.ts), the cloud's
 * cluster-autoscaler (autoscaler.ts), a volume provisioner (provisioner.ts) and an ingress
 * controller (ingress.ts). They share one informer per kind. Prints one JSON line
 * `{"event":"ready",…}` on stdout once the nodes are registered, the watches are synced and the
 * ingress port listens (it opens only then); exits cleanly on SIGTERM/SIGINT.
 */
import { mkdirSync } from "node:fs";
import type { V1Ingress, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1Service, V1StorageClass } from "@kubernetes/client-node";
import { UserError, formatError } from "../../../src/errors.ts";
import { parseAgentArgs } from "./args.ts";
import { Autoscaler } from "./autoscaler.ts";
import { EventRecorder } from "./events.ts";
import { loadImageMap } from "./images.ts";
import { IngressController } from "./ingress.ts";
import { IpPool } from "./ip-pool.ts";
import { claimIpRange } from "./ip-range.ts";
import {
  claimInformer,
  connect,
  ingressInformer,
  nodeInformer,
  podInformer,
  serviceInformer,
  storageClassInformer,
  volumeInformer,
  type Cache,
} from "./kube.ts";
import { Kubelet } from "./kubelet.ts";
import { makeLog } from "./log.ts";
import { NodeFleet } from "./nodes.ts";
import { Provisioner } from "./provisioner.ts";
import { createProxy, type FaultAction } from "./proxy.ts";

async function main(): Promise<void> {
  const opts = parseAgentArgs(process.argv.slice(2));
  const log = makeLog(opts.cluster);
  const images = loadImageMap(opts.images);
  mkdirSync(opts.logDir, { recursive: true });
  const kube = connect(opts.kubeconfig, opts.context);
  const range = await claimIpRange(opts.cluster);
  const ips = new IpPool(range.second);
  const stop = new AbortController();
  const signal = stop.signal;
  let ready = false;
  const events = new EventRecorder(kube, log);

  let pods: Cache<V1Pod> | undefined;
  let nodes: Cache<V1Node> | undefined;
  const podsOnNode = (node: string): V1Pod[] => (pods?.list() ?? []).filter((p) => p.spec?.nodeName === node);
  // The kubelet and fleet need each other (a node that comes up hands its pods to the kubelet).
  let kubelet: Kubelet | undefined;
  const fleet = new NodeFleet(
    kube,
    { clusterName: opts.clusterName, pools: opts.pools, ips, bootSeconds: opts.nodeBootSeconds, leaseRenewSeconds: opts.leaseRenewSeconds, kubeletVersion: opts.kubeletVersion },
    { nodeUp: (name) => kubelet?.nodeUp(name), nodeDown: (name) => kubelet?.nodeDown(name) },
    log,
  );
  kubelet = new Kubelet(kube, events, { fleet, pool: ips, podsOnNode, images, logDir: opts.logDir, backoffMs: opts.backoffMs }, log);
  const ingress = new IngressController(opts.pickupDelayMs, opts.ingressClass);

  const fault = async (action: FaultAction, node: string): Promise<void> => {
    if (action === "node-down") fleet.down(node);
    else await fleet.up(node);
  };
  const proxy = createProxy(
    ingress.table,
    {
      healthy: () => ready,
      info: () => {
        const m = process.memoryUsage();
        const mib = (n: number) => Math.round(n / 1048576);
        return {
          cluster: opts.cluster,
          nodes: fleet.list().map((n) => ({ name: n.name, pool: n.pool.name, ip: n.ip, state: n.state })),
          pid: process.pid,
          pods: kubelet.podCount,
          routes: ingress.table.size,
          apiRequestsQueued: kube.limiter.pending,
          memoryMiB: { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external) },
        };
      },
    },
    fault,
  );

  try {
    nodes = await nodeInformer(kube, log, signal, () => undefined);
    await fleet.start(nodes.list());
  } catch (err) {
    throw new UserError(
      `cannot register the nodes of ${opts.clusterName} in context ${opts.context}: ${(err as Error).message}; is the bed's API server up (npm run testbed -- status)?`,
      [],
      { cause: err },
    );
  }

  let claims: Cache<V1PersistentVolumeClaim> | undefined;
  let classes: Cache<V1StorageClass> | undefined;
  const provisioner = new Provisioner(
    kube,
    events,
    {
      claim: (namespace, name) => claims?.get(name, namespace),
      storageClass: (name) => classes?.get(name),
      node: (name) => nodes?.get(name),
    },
    { clusterName: opts.clusterName, defaultDelayMs: opts.provisionDelayMs },
    log,
  );

  [, , pods, classes, claims] = await Promise.all([
    serviceInformer(kube, log, signal, (inf) => {
      inf.on("add", (s: V1Service) => ingress.onService(s));
      inf.on("update", (s: V1Service) => ingress.onService(s));
      inf.on("delete", (s: V1Service) => ingress.onService(s, true));
    }),
    ingressInformer(kube, log, signal, (inf) => {
      inf.on("add", (i: V1Ingress) => ingress.onIngress(i));
      inf.on("update", (i: V1Ingress) => ingress.onIngress(i));
      inf.on("delete", (i: V1Ingress) => ingress.onIngress(i, true));
    }),
    podInformer(kube, log, signal, (inf) => {
      const onPod = (p: V1Pod) => {
        ingress.onPod(p);
        kubelet.onPod(p);
      };
      inf.on("add", onPod);
      inf.on("update", onPod);
      inf.on("delete", (p: V1Pod) => {
        ingress.onPodDeleted(p);
        kubelet.onPodDeleted(p);
      });
    }),
    storageClassInformer(kube, log, signal, () => undefined),
    claimInformer(kube, log, signal, (inf) => {
      inf.on("add", (c: V1PersistentVolumeClaim) => provisioner.onClaim(c));
      inf.on("update", (c: V1PersistentVolumeClaim) => provisioner.onClaim(c));
    }),
    volumeInformer(kube, log, signal, (inf) => {
      inf.on("add", (v: V1PersistentVolume) => provisioner.onVolume(v));
      inf.on("update", (v: V1PersistentVolume) => provisioner.onVolume(v));
    }),
  ]);
  // Claims seen before the classes were cached are looked at again now.
  for (const c of claims.list()) provisioner.onClaim(c);

  const autoscaler = new Autoscaler(
    kube,
    events,
    fleet,
    { pods: () => pods?.list() ?? [], node: (name) => nodes?.get(name) },
    { scanMs: opts.scanMs, unneededMs: opts.scaleDownUnneededSeconds * 1000 },
    log,
  );
  await autoscaler.start();
  ingress.flush();
  // Listen only now, so "the ingress port is open" (what `up` waits for) means synced and serving.
  await new Promise<void>((resolve, reject) => {
    proxy.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new UserError(`ingress port 127.0.0.1:${opts.ingressPort} is already in use; stop what holds it or pick another --ingress-port`)
          : err,
      ),
    );
    proxy.listen(opts.ingressPort, "127.0.0.1", () => resolve());
  });

  ready = true;
  const url = `http://127.0.0.1:${opts.ingressPort}`;
  const nodeNames = fleet.list().map((n) => n.name);
  log(`ready: nodes ${nodeNames.join(", ")}, ingress ${url}, pickup delay ${opts.pickupDelayMs} ms`);
  process.stdout.write(`${JSON.stringify({ event: "ready", cluster: opts.cluster, nodes: nodeNames, ingress: url, pid: process.pid })}\n`);

  let shuttingDown = false;
  const shutdown = async (sig: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${sig}: stopping`);
    ready = false;
    stop.abort();
    autoscaler.stop();
    fleet.stop();
    ingress.stop();
    proxy.close();
    proxy.closeAllConnections();
    await kubelet.shutdown();
    range.claim.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`${formatError(err).replace(/^mcks:/, "testbed agent:")}\n`);
  process.exit(1);
});
