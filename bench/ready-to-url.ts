/**
 * mcks's own share of a start, apart from the cluster's: for every burst start, when its Pod
 * became Ready and when its route first answered through the ingress, measured by the bench
 * itself, so `url returned − max(Pod Ready, route answering)` is what mcks adds (noticing both,
 * its readiness back-off, the RPC answer).
 *
 * - Pod Ready: when the bench's own WATCH of the managed Pods (admin token, one per cluster)
 *   delivers the Ready condition (bench/burst.ts also takes mcks's own report, if earlier). The
 *   condition's lastTransitionTime is kept too, but it is the fake kubelet's clock when it
 *   decided, to the second, and under load its status write reaches the API server seconds
 *   later: nobody, mcks included, can see Ready before that write.
 * - Route answering: from PICKUP_MS after the Pod is seen Ready (the bed's ingress serves a route
 *   no sooner), the bench GETs `<ingress>/user/<name>/api` every PROBE_MS until it answers as mcks's
 *   check counts an answer (src/spawn/hooks/route.ts); the time its answer arrives is taken (as
 *   mcks, too, knows only when an answer arrives), so the figure can be early by up to PROBE_MS,
 *   never late. The send time is kept as well: from it, the ingress's own answering time under
 *   load counts against mcks (bench/burst.ts prints both).
 * The tracker runs in a worker thread of its own, so the bench's RPC traffic does not delay it.
 */
import { readFileSync } from "node:fs";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { ClientRequest } from "node:http";
import { request } from "node:https";
import { routeAnswered } from "../src/spawn/hooks/route.ts";
import type { BedCluster } from "../test/testbed/state.ts";

const PROBE_MS = 100;
/** The bed agent's --pickup-delay-ms: probing earlier only loads the agent. */
const PICKUP_MS = 300;
const USER_LABEL = "hub.jupyter.org/username";

interface PodEvent {
  type: string;
  object: {
    metadata?: { labels?: Record<string, string>; deletionTimestamp?: string };
    status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
  };
}

export interface ReadyTimes {
  /** Epoch ms: the Ready condition's lastTransitionTime, and when the watch delivered it. */
  readonly lttAt: number;
  readonly seenAt: number;
  /**
   * Epoch ms when the first answering probe's answer arrived (undefined while none answered):
   * no one, mcks included, can know the route answers before an answer comes back, and the
   * ingress's own answering time under load is the cluster's share, not mcks's.
   */
  routeAt?: number;
  /** When that probe was sent: the earliest the route can have begun answering. */
  routeSentAt?: number;
}

export class ReadyTracker {
  readonly times = new Map<string, ReadyTimes>();
  readonly #requests: ClientRequest[] = [];
  #stopped = false;

  /** Starts one Pod watch per cluster; resolves once every watch is open. */
  async watch(clusters: readonly BedCluster[], ca: string, tokenOf: (c: BedCluster) => string): Promise<void> {
    await Promise.all(clusters.map((c) => this.#watchOne(c, readFileSync(ca), tokenOf(c))));
  }

  #watchOne(c: BedCluster, ca: Buffer, token: string): Promise<void> {
    const path = `/api/v1/namespaces/default/pods?watch=1&labelSelector=${encodeURIComponent("app.kubernetes.io/managed-by=multicluster-kubespawner")}`;
    return new Promise((resolve, reject) => {
      const req = request(`${c.apiserverUrl}${path}`, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch pods on ${c.name}: HTTP ${res.statusCode}`));
        resolve();
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          buf += d;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line) this.#onEvent(c, JSON.parse(line) as PodEvent, Date.now());
          }
        });
        res.on("end", () => {
          if (this.#stopped) return;
          // The API server ends a watcher that does not keep up (its watch cache drops slow
          // consumers): watch again; Pods already Ready come back as ADDED and keep their first sighting.
          process.stderr.write(`[ready-to-url] the Pod watch on ${c.name} ended early; watching again\n`);
          this.#watchOne(c, ca, token).catch((e: unknown) => process.stderr.write(`[ready-to-url] watching ${c.name} again failed: ${String(e)}\n`));
        });
      });
      req.on("error", (e) => (this.#stopped ? undefined : reject(e)));
      req.end();
      this.#requests.push(req);
    });
  }

  #onEvent(c: BedCluster, ev: PodEvent, seen: number): void {
    const user = ev.object.metadata?.labels?.[USER_LABEL];
    if (!user || this.times.has(user) || ev.object.metadata?.deletionTimestamp) return;
    const ready = ev.object.status?.conditions?.find((x) => x.type === "Ready" && x.status === "True");
    if (!ready?.lastTransitionTime) return;
    const lttAt = Date.parse(ready.lastTransitionTime);
    const t: ReadyTimes = { lttAt, seenAt: seen };
    this.times.set(user, t);
    setTimeout(() => void this.#probe(`${c.ingressUrl}/user/${user}/api`, t), PICKUP_MS);
  }

  async #probe(url: string, t: ReadyTimes): Promise<void> {
    const giveUp = Date.now() + 120_000; // a server stopped before its route answered
    while (!this.#stopped && Date.now() < giveUp) {
      const sent = Date.now();
      try {
        const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5000) });
        await res.body?.cancel();
        if (routeAnswered(res.status)) {
          t.routeAt = Date.now();
          t.routeSentAt = sent;
          return;
        }
      } catch {
        // not answering yet
      }
      await new Promise((r) => setTimeout(r, PROBE_MS));
    }
  }

  /** Forgets users (e.g. the sequential starts before the burst). */
  clear(): void {
    this.times.clear();
  }

  stop(): void {
    this.#stopped = true;
    for (const r of this.#requests) r.destroy();
  }
}

/** The tracker in a worker thread: `stop()` ends it and hands back what it saw. */
export async function startReadyTracker(clusters: readonly BedCluster[], ca: string, tokens: readonly string[]): Promise<{ stop(): Promise<Map<string, ReadyTimes>> }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { clusters, ca, tokens } });
  const first = await new Promise<{ ok: boolean; error?: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  if (!first.ok) throw new Error(`the Ready tracker could not start: ${first.error}`);
  worker.unref(); // never what keeps the bench alive after a failure
  return {
    async stop() {
      worker.postMessage("stop");
      const [times] = (await new Promise((r) => worker.once("message", (m) => r([m])))) as [Array<[string, ReadyTimes]>];
      await worker.terminate();
      return new Map(times);
    },
  };
}

if (!isMainThread && workerData?.clusters) {
  const { clusters, ca, tokens } = workerData as { clusters: BedCluster[]; ca: string; tokens: string[] };
  const tracker = new ReadyTracker();
  tracker.watch(clusters, ca, (c) => tokens[clusters.indexOf(c)]!).then(
    () => parentPort!.postMessage({ ok: true }),
    (e: Error) => parentPort!.postMessage({ ok: false, error: e.message }),
  );
  parentPort!.on("message", () => {
    tracker.stop();
    parentPort!.postMessage([...tracker.times]);
  });
}
