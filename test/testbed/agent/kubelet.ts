/**
 * The fake kubelet of every Node an agent owns: runs the containers of the pods the real
 * scheduler bound to those nodes (in-process mock servers, real processes, or injected failures),
 * writes pod status and Events like a kubelet, and finalizes deletions. A node that is down
 * (nodes.ts) runs nothing and writes nothing. Driven by the shared pod informer; nothing re-lists.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { behaviourOf } from "./behaviour.ts";
import type { Behaviour } from "./behaviour.ts";
import { ContainerConfigError, apiLookup, resolveEnv } from "./env.ts";
import { kubeletSource, type EventRecorder } from "./events.ts";
import type { ImageMap } from "./images.ts";
import { lookupImage } from "./images.ts";
import type { IpPool } from "./ip-pool.ts";
import { mergePatch, statusOf } from "./kube.ts";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";
import { startMockServer } from "./mock-server.ts";
import type { NodeFleet } from "./nodes.ts";
import { now, statusPatch } from "./pod-status.ts";
import type { ContainerView, PodView } from "./pod-status.ts";
import { startProcessServer } from "./process-server.ts";
import type { RunningServer } from "./server.ts";

export interface KubeletOptions {
  readonly fleet: NodeFleet;
  /** Pod addresses (node addresses come from the fleet). */
  readonly pool: IpPool;
  /** The pods the informer holds bound to a node, for a node that comes (back) up. */
  readonly podsOnNode: (node: string) => readonly V1Pod[];
  readonly images: ImageMap;
  readonly logDir: string;
  /** Base of the crash-loop and image-pull back-off (real kubelets use 10 s; tests want it short). */
  readonly backoffMs: number;
}

interface PodRun {
  readonly uid: string;
  readonly node: string;
  readonly namespace: string;
  readonly name: string;
  pod: V1Pod;
  readonly abort: AbortController;
  readonly view: PodView;
  readonly servers: Set<RunningServer>;
  ip?: string;
  stopping: boolean;
  patches: Promise<void>;
}

/** Default port of the mock when a container declares none (Jupyter's own default). */
const DEFAULT_PORT = 8888;

function isAbort(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === "AbortError";
}

function pullMessage(image: string): string {
  const ref = image.includes("/") ? image : `docker.io/library/${image}`;
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

export class Kubelet {
  readonly #kube: Kube;
  readonly #events: EventRecorder;
  readonly #opts: KubeletOptions;
  readonly #log: Log;
  readonly #runs = new Map<string, PodRun>();

  constructor(kube: Kube, events: EventRecorder, opts: KubeletOptions, log: Log) {
    this.#kube = kube;
    this.#events = events;
    this.#opts = opts;
    this.#log = log;
  }

  get podCount(): number {
    return this.#runs.size;
  }

  /** Informer add/update. Only acts on pods it has not seen and on deletion requests. */
  onPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || !pod.spec) return;
    const existing = this.#runs.get(uid);
    if (existing) {
      existing.pod = pod;
      if (pod.metadata?.deletionTimestamp) void this.#terminate(existing, true);
      return;
    }
    // Unbound pods are the scheduler's; pods of a node that is down wait for it.
    const nodeName = pod.spec.nodeName;
    if (!nodeName || !this.#opts.fleet.isUp(nodeName)) return;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return;
    const run: PodRun = {
      uid,
      node: nodeName,
      namespace: pod.metadata?.namespace ?? "default",
      name: pod.metadata?.name ?? "",
      pod,
      abort: new AbortController(),
      view: {
        phase: "Pending",
        containers: pod.spec.containers.map((c) => ({
          name: c.name,
          image: c.image ?? "",
          containerId: `containerd://${randomBytes(32).toString("hex")}`,
          state: { kind: "waiting", reason: "ContainerCreating" },
          restartCount: 0,
        })),
        initContainers: (pod.spec.initContainers ?? []).map((c) => ({
          name: c.name,
          image: c.image ?? "",
          containerId: `containerd://${randomBytes(32).toString("hex")}`,
          sidecar: c.restartPolicy === "Always",
        })),
        transitions: new Map(),
      },
      servers: new Set(),
      stopping: false,
      patches: Promise.resolve(),
    };
    this.#runs.set(uid, run);
    if (pod.metadata?.deletionTimestamp) {
      void this.#terminate(run, true);
      return;
    }
    this.#lifecycle(run).catch((err: unknown) => {
      if (!isAbort(err)) this.#log(`pod ${run.namespace}/${run.name}: ${(err as Error).stack ?? String(err)}`);
    });
  }

  /** Informer delete: the object is gone (force delete, or our own finalizing delete). */
  onPodDeleted(pod: V1Pod): void {
    const run = pod.metadata?.uid ? this.#runs.get(pod.metadata.uid) : undefined;
    if (run) void this.#terminate(run, false);
  }

  /** SIGTERM: stop every server; pods stay as they are in the API (the nodes "went away"). */
  async shutdown(): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const r of runs) r.abort.abort();
    await Promise.all(runs.flatMap((r) => [...r.servers].map((s) => s.stop(2000).catch(() => undefined))));
  }

  /** The node died: its containers stop at once and nothing more is written about its pods. */
  nodeDown(node: string): void {
    for (const r of [...this.#runs.values()]) {
      if (r.node !== node) continue;
      r.stopping = true;
      r.abort.abort();
      for (const s of r.servers) void s.stop(0).catch(() => undefined);
      r.servers.clear();
      if (r.ip) this.#opts.pool.release(r.ip);
      this.#runs.delete(r.uid);
    }
  }

  /** The node runs (again): take up the pods bound to it, finalizing those deleted meanwhile. */
  nodeUp(node: string): void {
    for (const p of this.#opts.podsOnNode(node)) this.onPod(p);
  }

  #event(r: PodRun, type: "Normal" | "Warning", reason: string, message: string, container?: string): Promise<unknown> {
    return this.#events.record({
      object: { kind: "Pod", metadata: r.pod.metadata },
      type,
      reason,
      message,
      source: kubeletSource(r.node),
      ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
    });
  }

  async #lifecycle(r: PodRun): Promise<void> {
    const spec = r.pod.spec!;
    const behaviours = spec.containers.map((c) => behaviourOf(c.image ?? ""));
    r.abort.signal.throwIfAborted();
    const existingIp = r.pod.status?.podIP;
    r.ip = existingIp && this.#opts.pool.claim(existingIp) ? existingIp : this.#opts.pool.allocate();
    const v = r.view;
    v.hostIp = this.#hostIp(r);
    v.podIp = r.ip;
    v.startTime = r.pod.status?.startTime ? new Date(r.pod.status.startTime).toISOString().replace(/\.\d+Z$/, "Z") : now();
    const adopting = r.pod.status?.phase === "Running" && r.pod.status.podIP === r.ip;
    if (!adopting) await this.#patch(r, statusPatch(v));
    for (let i = 0; i < spec.containers.length; i++) {
      await this.#startContainer(r, i, behaviours[i]!, adopting);
    }
    // Taken up again after an agent restart or a node outage: node lifecycle may have marked the
    // pod not Ready meanwhile; say it is Ready again.
    const readyInApi = r.pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (adopting && !readyInApi && v.containers.every((c) => c.state.kind === "running" && c.state.ready)) await this.#patch(r, statusPatch(v));
  }

  #hostIp(r: PodRun): string {
    return this.#opts.fleet.get(r.node)?.ip ?? "";
  }

  /** Pull → create → start one container, or play its injected failure. */
  async #startContainer(r: PodRun, i: number, b: Behaviour, quiet: boolean): Promise<void> {
    const signal = r.abort.signal;
    const c: V1Container = r.pod.spec!.containers[i]!;
    const cv: ContainerView = r.view.containers[i]!;
    const image = c.image ?? "";
    const fieldPath = `spec.containers{${c.name}}`;
    const event = (type: "Normal" | "Warning", reason: string, message: string) => (quiet ? Promise.resolve() : this.#event(r, type, reason, message, c.name));

    if (b.kind === "fail-pull") {
      void event("Normal", "Pulling", `Pulling image "${image}"`);
      await sleep(200, undefined, { signal });
      const msg = pullMessage(image);
      cv.state = { kind: "waiting", reason: "ErrImagePull", message: msg };
      void event("Warning", "Failed", `Failed to pull image "${image}": ${msg}`);
      void event("Warning", "Failed", "Error: ErrImagePull");
      await this.#patch(r, statusPatch(r.view));
      await sleep(this.#opts.backoffMs, undefined, { signal });
      cv.state = { kind: "waiting", reason: "ImagePullBackOff", message: `Back-off pulling image "${image}": ErrImagePull: ${msg}` };
      void event("Normal", "BackOff", `Back-off pulling image "${image}"`);
      void event("Warning", "Failed", "Error: ImagePullBackOff");
      await this.#patch(r, statusPatch(r.view));
      return;
    }

    if (!quiet) {
      const started = Date.now();
      void event("Normal", "Pulling", `Pulling image "${image}"`);
      if (b.kind === "run" && b.startDelayMs > 0) await sleep(b.startDelayMs, undefined, { signal });
      const took = `${((Date.now() - started) / 1000).toFixed(3)}s`;
      void event("Normal", "Pulled", `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: 187331625 bytes.`);
    }

    let env: Map<string, string>;
    try {
      env = await resolveEnv(r.pod, c, apiLookup(this.#kube, r.namespace), { podIp: r.ip!, hostIp: this.#hostIp(r) });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      cv.state = { kind: "waiting", reason: "CreateContainerConfigError", message: err.message };
      void event("Warning", "Failed", `Error: ${err.message}`);
      await this.#patch(r, statusPatch(r.view));
      return;
    }
    signal.throwIfAborted();
    void event("Normal", "Created", `Created container: ${c.name}`);
    void event("Normal", "Started", `Started container ${c.name}`);

    if (b.kind === "crashloop") {
      await this.#crashLoop(r, i);
      return;
    }

    const ports = (c.ports ?? []).filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.containerPort);
    const ctx = {
      namespace: r.namespace,
      pod: r.name,
      container: c.name,
      image,
      ip: r.ip!,
      ports: ports.length > 0 ? ports : [DEFAULT_PORT],
      env,
    };
    const proc = lookupImage(this.#opts.images, image);
    const server = proc ? startProcessServer(ctx, proc, this.#opts.logDir) : startMockServer(ctx);
    r.servers.add(server);
    const startedAt = now();
    void server.exited.then((exit) => this.#onExit(r, i, server, startedAt, exit.exitCode, exit.reason));
    if (proc) {
      // A real process takes a while to listen: report it running but not ready meanwhile.
      cv.state = { kind: "running", startedAt, ready: false };
      this.#updatePhase(r);
      await this.#patch(r, statusPatch(r.view));
    }
    try {
      await server.ready;
    } catch (err) {
      const msg = (err as Error).message;
      this.#log(`pod ${r.namespace}/${r.name} container ${c.name}: ${msg}`);
      // A process that died is restarted by its exit handler; the mock could not listen at all.
      if (!proc) {
        r.servers.delete(server);
        await server.stop(0);
        cv.state = { kind: "waiting", reason: "RunContainerError", message: msg };
        void event("Warning", "Failed", `Error: failed to start container "${c.name}": ${msg}`);
        await this.#patch(r, statusPatch(r.view));
      }
      return;
    }
    if (signal.aborted) {
      await server.stop(0);
      return;
    }
    cv.state = { kind: "running", startedAt, ready: true };
    this.#updatePhase(r);
    if (!quiet || proc) await this.#patch(r, statusPatch(r.view));
  }

  /** `crashloop` images: the container exits with 1 shortly after each start, with growing back-off. */
  async #crashLoop(r: PodRun, i: number): Promise<void> {
    const signal = r.abort.signal;
    const cv = r.view.containers[i]!;
    for (;;) {
      const startedAt = now();
      await sleep(300, undefined, { signal });
      const delay = Math.min(this.#opts.backoffMs * 2 ** Math.min(cv.restartCount, 4), this.#opts.backoffMs * 16);
      cv.restartCount++;
      cv.lastTerminated = { exitCode: 1, reason: "Error", startedAt, finishedAt: now() };
      cv.state = {
        kind: "waiting",
        reason: "CrashLoopBackOff",
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${cv.name} pod=${r.name}_${r.namespace}(${r.uid})`,
      };
      this.#updatePhase(r);
      await this.#patch(r, statusPatch(r.view));
      void this.#event(r, "Warning", "BackOff", `Back-off restarting failed container ${cv.name} in pod ${r.name}_${r.namespace}(${r.uid})`, cv.name);
      await sleep(delay, undefined, { signal });
      void this.#event(r, "Normal", "Pulled", `Container image "${cv.image}" already present on machine`, cv.name);
    }
  }

  /** A real process ended on its own: restart with back-off, or finish the pod if restartPolicy says so. */
  async #onExit(r: PodRun, i: number, server: RunningServer, startedAt: string, exitCode: number, reason: string): Promise<void> {
    r.servers.delete(server);
    if (r.stopping || r.abort.signal.aborted) return;
    const cv = r.view.containers[i]!;
    const policy = r.pod.spec?.restartPolicy ?? "Always";
    const finished = { exitCode, reason, startedAt, finishedAt: now() };
    this.#log(`pod ${r.namespace}/${r.name} container ${cv.name} exited with ${exitCode} (${reason})`);
    if (policy === "Never" || (policy === "OnFailure" && exitCode === 0)) {
      cv.state = { kind: "terminated", ...finished };
      if (r.view.containers.every((c) => c.state.kind === "terminated")) {
        r.view.phase = r.view.containers.every((c) => c.state.kind === "terminated" && c.state.exitCode === 0) ? "Succeeded" : "Failed";
      }
      await this.#patch(r, statusPatch(r.view));
      return;
    }
    const delay = Math.min(this.#opts.backoffMs * 2 ** Math.min(cv.restartCount, 4), this.#opts.backoffMs * 16);
    cv.restartCount++;
    cv.lastTerminated = finished;
    cv.state = {
      kind: "waiting",
      reason: "CrashLoopBackOff",
      message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${cv.name} pod=${r.name}_${r.namespace}(${r.uid})`,
    };
    await this.#patch(r, statusPatch(r.view));
    void this.#event(r, "Warning", "BackOff", `Back-off restarting failed container ${cv.name} in pod ${r.name}_${r.namespace}(${r.uid})`, cv.name);
    try {
      await sleep(delay, undefined, { signal: r.abort.signal });
      await this.#startContainer(r, i, { kind: "run", startDelayMs: 0 }, false);
    } catch (err) {
      if (!isAbort(err)) this.#log(`pod ${r.namespace}/${r.name}: restart failed: ${(err as Error).message}`);
    }
  }

  /** Running once every container has started at least once (crash-looping ones included). */
  #updatePhase(r: PodRun): void {
    if (r.view.containers.every((c) => c.state.kind === "running" || c.restartCount > 0)) r.view.phase = "Running";
  }

  #patch(r: PodRun, body: object): Promise<void> {
    const next = r.patches.then(async () => {
      if (r.stopping) return;
      try {
        await this.#kube.limiter.run(() =>
          this.#kube.core.patchNamespacedPodStatus({ name: r.name, namespace: r.namespace, body }, mergePatch),
        );
      } catch (err) {
        if (statusOf(err) !== 404) this.#log(`status of ${r.namespace}/${r.name} not written: ${(err as Error).message}`);
      }
    });
    r.patches = next;
    return next;
  }

  /** Stops the pod's servers; with `finalize`, also removes the object as the kubelet would after the grace period. */
  async #terminate(r: PodRun, finalize: boolean): Promise<void> {
    if (r.stopping) return;
    r.stopping = true;
    r.abort.abort();
    const graceSeconds = r.pod.metadata?.deletionGracePeriodSeconds ?? r.pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (finalize) {
      for (const cv of r.view.containers) {
        if (cv.state.kind === "running") void this.#event(r, "Normal", "Killing", `Stopping container ${cv.name}`, cv.name);
      }
    }
    await Promise.all([...r.servers].map((s) => s.stop(Math.min(graceSeconds, 10) * 1000).catch(() => undefined)));
    r.servers.clear();
    if (r.ip) this.#opts.pool.release(r.ip);
    if (finalize) {
      try {
        await this.#kube.limiter.run(() =>
          this.#kube.core.deleteNamespacedPod({
            name: r.name,
            namespace: r.namespace,
            gracePeriodSeconds: 0,
            body: { gracePeriodSeconds: 0, preconditions: { uid: r.uid } },
          }),
        );
      } catch (err) {
        const code = statusOf(err);
        if (code !== 404 && code !== 409) this.#log(`could not remove pod ${r.namespace}/${r.name}: ${(err as Error).message}`);
      }
    }
    this.#runs.delete(r.uid);
  }
}
