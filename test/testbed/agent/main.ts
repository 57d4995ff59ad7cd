/**
 * One test-bed agent per cluster: the fake kubelet + scheduler and the fake ingress controller,
 * sharing one pod watch. Prints one JSON line `{"event":"ready",…}` on stdout once the node is
 * registered, the watches are synced and the ingress port listens (it opens only then); exits cleanly on SIGTERM/SIGINT.
 */
import { mkdirSync } from "node:fs";
import type { V1Ingress, V1Pod, V1Service } from "@kubernetes/client-node";
import { UserError, formatError } from "../../../src/errors.ts";
import { parseAgentArgs } from "./args.ts";
import { EventRecorder } from "./events.ts";
import { loadImageMap } from "./images.ts";
import { IngressController } from "./ingress.ts";
import { IpPool } from "./ip-pool.ts";
import { claimIpRange } from "./ip-range.ts";
import { connect, ingressInformer, podInformer, serviceInformer } from "./kube.ts";
import { Kubelet } from "./kubelet.ts";
import { makeLog } from "./log.ts";
import { registerNode } from "./node.ts";
import { createProxy } from "./proxy.ts";

async function main(): Promise<void> {
  const opts = parseAgentArgs(process.argv.slice(2));
  const log = makeLog(opts.cluster);
  const images = loadImageMap(opts.images);
  mkdirSync(opts.logDir, { recursive: true });
  const kube = connect(opts.kubeconfig, opts.context);
  const range = await claimIpRange(opts.cluster);
  const pool = new IpPool(range.second);
  const stop = new AbortController();
  let ready = false;

  const ingress = new IngressController(opts.pickupDelayMs, opts.ingressClass);
  const kubelet = new Kubelet(
    kube,
    new EventRecorder(kube, opts.nodeName, log),
    { nodeName: opts.nodeName, pool, images, logDir: opts.logDir, backoffMs: opts.backoffMs },
    log,
  );

  const proxy = createProxy(ingress.table, {
    healthy: () => ready,
    info: () => {
      const m = process.memoryUsage();
      const mib = (n: number) => Math.round(n / 1048576);
      return {
        cluster: opts.cluster,
        node: opts.nodeName,
        nodeIP: pool.nodeIp,
        pid: process.pid,
        pods: kubelet.podCount,
        routes: ingress.table.size,
        apiRequestsQueued: kube.limiter.pending,
        memoryMiB: { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external) },
      };
    },
  });
  try {
    await registerNode(kube, opts.nodeName, pool.nodeIp);
  } catch (err) {
    throw new UserError(
      `cannot register node ${opts.nodeName} in context ${opts.context}: ${(err as Error).message}; is the bed's API server up (npm run testbed -- status)?`,
      [],
      { cause: err },
    );
  }

  const signal = stop.signal;
  await Promise.all([
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
  ]);
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
  log(`ready: node ${opts.nodeName} at ${pool.nodeIp}, ingress ${url}, pickup delay ${opts.pickupDelayMs} ms`);
  process.stdout.write(`${JSON.stringify({ event: "ready", cluster: opts.cluster, node: opts.nodeName, nodeIP: pool.nodeIp, ingress: url, pid: process.pid })}\n`);

  let shuttingDown = false;
  const shutdown = async (sig: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${sig}: stopping`);
    ready = false;
    stop.abort();
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
