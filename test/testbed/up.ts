/**
 * `npm run testbed -- up`: one shared etcd (each API server under its own --etcd-prefix: one
 * etcd costs far less memory than N), and per cluster a kube-apiserver, a kube-scheduler, a
 * kube-controller-manager and the agent (kubelets of the node pools, autoscaler, provisioner,
 * ingress). Idempotent: whatever is already running, ours and started with the same arguments
 * (and, for the agent, the same code) is kept. Returns once every cluster can schedule pods.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { defaultPools, parsePools, POOL_LABEL, type PoolSpec } from "./agent/pools.ts";
import { bootstrapCluster } from "./bootstrap.ts";
import { ensureBinaries, type Binaries } from "./build.ts";
import { ensurePki, ensureTokens, tokenAuthFile, type Pki, type Tokens } from "./certs.ts";
import { controllerManagerArgs, EVICTION_TOLERATION_SECONDS, schedulerArgs, writeComponentFiles } from "./components.ts";
import { probeApi, probeApiserver, probeEtcd, probeHealthz, waitFor, type Probe } from "./health.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import * as L from "./layout.ts";
import { isOurs, startDetached, staleCode, stopProcess, tail } from "./processes.ts";
import { readClusters, readPids, writeClusters, writePids, type BedCluster, type ClustersFile, type PidsFile, type ProcessRecord } from "./state.ts";
import { withLock } from "./lock.ts";

const agentMain = join(L.testbedSrc, "agent/main.ts");
/** Code whose change makes `up` restart the process running it. */
export const agentCode = [join(L.testbedSrc, "agent"), join(L.repoRoot, "src/errors.ts")];
const nodeBin = join(L.repoRoot, "node_modules/.bin/node");

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

async function requireFreePort(port: number, what: string): Promise<void> {
  if (await portOpen(port)) {
    throw new UserError(`port 127.0.0.1:${port} (for the test bed's ${what}) is taken by a process the bed did not start`, [
      `find it with \`ss -ltnp 'sport = :${port}'\` and stop it, or run \`npm run testbed -- down\` if it is a bed left from another checkout`,
    ]);
  }
}

function etcdArgs(): string[] {
  const client = `http://127.0.0.1:${L.etcdClientPort}`;
  const peer = `http://127.0.0.1:${L.etcdPeerPort}`;
  return [
    "--name=testbed",
    `--data-dir=${L.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testbed=${peer}`,
    // Throwaway data: fsync only slows tests down.
    "--unsafe-no-fsync=true",
    "--quota-backend-bytes=4294967296",
    "--log-level=warn",
  ];
}

function apiserverArgs(cluster: number, pki: Pki, tokenFile: string): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${L.etcdClientPort}`,
    `--etcd-prefix=/${L.clusterName(cluster)}/registry`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${L.apiserverPort(cluster)}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokenFile}`,
    "--authorization-mode=Node,RBAC",
    `--service-account-issuer=https://${L.clusterName(cluster)}.kubernetes.default.svc`,
    `--service-account-key-file=${pki.saPublicKey}`,
    `--service-account-signing-key-file=${pki.saPrivateKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    // Pods are processes on loopback that never call the API server through its Service, so the
    // `kubernetes` Endpoints are not kept (the lease reconciler would write every 10 s).
    "--endpoint-reconciler-type=none",
    // The default plugins (ResourceQuota, LimitRanger, StorageObjectInUseProtection,
    // DefaultStorageClass, DefaultTolerationSeconds, …) plus NodeRestriction, as clusters run them.
    "--enable-admission-plugins=NodeRestriction",
    `--default-not-ready-toleration-seconds=${EVICTION_TOLERATION_SECONDS}`,
    `--default-unreachable-toleration-seconds=${EVICTION_TOLERATION_SECONDS}`,
    // Memory: priority-and-fairness keeps per-level queues and a config controller per server.
    "--enable-priority-and-fairness=false",
    "--profiling=false",
    "--shutdown-delay-duration=0s",
    "--v=0",
  ];
}

function agentArgs(c: BedCluster, kubernetesVersion: string): string[] {
  return [
    agentMain,
    "--kubeconfig",
    L.kubeconfigPath,
    "--context",
    c.context,
    "--cluster",
    String(c.index),
    "--ingress-port",
    String(c.ingressPort),
    "--pools",
    JSON.stringify(c.pools),
    "--kubelet-version",
    kubernetesVersion,
  ];
}

/** Go's collector trades a little CPU for a much smaller heap; the bed is tiny. */
const goEnv = { ...process.env, GOGC: "50" };

const hashArgs = (args: readonly string[]): string => createHash("sha256").update(args.join("\0")).digest("hex").slice(0, 16);

/** `--pools FILE`: `{ "testbed-2": [pool, …], … }`, replacing those clusters' pools. */
export function readPoolsFile(file: string): Record<string, PoolSpec[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`cannot read --pools ${file}: ${(err as Error).message}`, ['it must be a JSON object like {"testbed-2": [{"name": "gpu", "nodes": 0, "min": 0, "max": 2, "cpu": 8, "memory": "32Gi", "gpu": 1}]}']);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UserError(`--pools ${file} must hold a JSON object of cluster name → pools`);
  return Object.fromEntries(Object.entries(raw).map(([name, pools]) => [name, parsePools(pools, `${file}: ${name}`)]));
}

export interface UpOptions {
  readonly clusters?: number;
  /** Pools by cluster name; other clusters keep theirs (or get the defaults). */
  readonly pools?: Record<string, PoolSpec[]>;
  readonly log?: (line: string) => void;
}

export interface UpResult {
  readonly started: readonly string[];
  readonly kept: readonly string[];
  readonly clusters: ClustersFile;
  readonly seconds: number;
}

export function up(opts: UpOptions = {}): Promise<UpResult> {
  return withLock(() => upLocked(opts));
}

async function upLocked(opts: UpOptions): Promise<UpResult> {
  const log = opts.log ?? console.log;
  const t0 = Date.now();
  const phases: string[] = [];
  let tPhase = t0;
  const phase = (name: string): void => {
    const now = Date.now();
    phases.push(`${name} ${((now - tPhase) / 1000).toFixed(1)} s`);
    tPhase = now;
  };
  const previousFile = readClusters();
  const n = Math.max(opts.clusters ?? L.defaultClusters, previousFile?.clusters.length ?? 0);
  if (!Number.isInteger(n) || n < 1 || n > L.maxClusters) throw new UserError(`--clusters must be an integer from 1 to ${L.maxClusters}, got ${opts.clusters}`);
  for (const name of Object.keys(opts.pools ?? {})) {
    if (!/^testbed-\d+$/.test(name) || Number(name.slice(8)) > n) throw new UserError(`--pools names cluster "${name}", but the bed has testbed-1 … testbed-${n}`);
  }

  const bins: Binaries = await ensureBinaries(log);
  phase("binaries");
  for (const d of [L.stateDir, L.logDir]) mkdirSync(d, { recursive: true });
  const pki = ensurePki();
  const pids: PidsFile = readPids();
  const started: string[] = [];
  const kept: string[] = [];

  /** Keeps a running process started with the same arguments (and fresh code), else (re)starts it. */
  const ensure = async (key: string, exe: string, args: string[], marker: string, o: { port?: number; what: string; env?: NodeJS.ProcessEnv; cwd?: string; code?: string[] }): Promise<ProcessRecord> => {
    const rec = pids[key];
    const argsHash = hashArgs([exe, ...args]);
    if (rec && isOurs(rec) && rec.argsHash === argsHash && !(o.code && staleCode(rec, o.code))) {
      kept.push(key);
      return rec;
    }
    if (rec) await stopProcess(rec); // older arguments or code
    if (o.port !== undefined) await requireFreePort(o.port, o.what);
    const fresh = { ...startDetached(key, exe, args, marker, o.env, o.cwd), argsHash };
    pids[key] = fresh;
    writePids(pids); // after every start, so a crash half-way still lets `down` clean up
    started.push(key);
    return fresh;
  };
  const mustBeReady = (rec: ProcessRecord, what: string, probe: () => Promise<Probe>, timeoutMs: number): Promise<void> =>
    waitFor(what, probe, () => isOurs(rec), timeoutMs).catch((e: Error) => {
      throw new UserError(`${e.message}; log: ${rec.log}`, tail(rec.log));
    });

  // A bed from before the real controller-manager ran its stand-in: stop it.
  if (pids.controllers) {
    await stopProcess(pids.controllers);
    delete pids.controllers;
    writePids(pids);
  }

  const etcdRec = await ensure("etcd", bins.etcd, etcdArgs(), `--listen-client-urls=http://127.0.0.1:${L.etcdClientPort}`, { port: L.etcdClientPort, what: "etcd" });
  await mustBeReady(etcdRec, "etcd", () => probeEtcd(L.etcdClientPort), 30_000);
  phase("etcd");

  // API servers: started together, waited for together (each takes a few seconds to boot).
  const clusters: BedCluster[] = [];
  const tokens = new Map<number, Tokens>();
  const apiservers = new Map<number, ProcessRecord>();
  for (let i = 1; i <= n; i++) {
    const tk = ensureTokens(i);
    tokens.set(i, tk);
    const args = apiserverArgs(i, pki, tokenAuthFile(i, tk));
    apiservers.set(i, await ensure(`apiserver-${i}`, bins.kubeApiserver, args, `--secure-port=${L.apiserverPort(i)}`, { port: L.apiserverPort(i), what: `API server ${i}`, env: goEnv }));
    const name = L.clusterName(i);
    clusters.push({
      name,
      index: i,
      context: name,
      restrictedContext: L.restrictedContext(i),
      apiserverUrl: `https://127.0.0.1:${L.apiserverPort(i)}`,
      ingressPort: L.ingressPort(i),
      ingressUrl: `http://127.0.0.1:${L.ingressPort(i)}`,
      pools: opts.pools?.[name] ?? previousFile?.clusters.find((c) => c.name === name)?.pools ?? defaultPools(i),
    });
  }
  const admin = (c: BedCluster): string => tokens.get(c.index)!.admin;
  await Promise.all(clusters.map((c) => mustBeReady(apiservers.get(c.index)!, `kube-apiserver ${c.name}`, () => probeApiserver(c.apiserverUrl, pki.caCert, admin(c)), 90_000)));
  phase("apiservers");

  writeKubeconfig(L.kubeconfigPath, pki.caCert, clusters.map((c) => ({ index: c.index, server: c.apiserverUrl, tokens: tokens.get(c.index)! })));
  // clusters.json is written only after bootstrap, so a cluster listed there whose etcd and API
  // server were both kept is already bootstrapped and needs no second kubectl round.
  const bootstrapped = new Set(kept.includes("etcd") ? (previousFile?.clusters ?? []).map((c) => c.index) : []);
  await Promise.all(clusters.filter((c) => !(bootstrapped.has(c.index) && kept.includes(`apiserver-${c.index}`))).map((c) => bootstrapCluster(L.kubeconfigPath, c.context)));
  const file: ClustersFile = { kubeconfig: L.kubeconfigPath, kubernetesVersion: bins.kubernetesVersion, clusters };
  writeClusters(file);
  phase("bootstrap");

  // Scheduler, controller-manager and agent of every cluster start together; then we wait for all.
  const waits: Promise<void>[] = [];
  for (const c of clusters) {
    const i = c.index;
    const files = writeComponentFiles(i, c.apiserverUrl, pki, tokens.get(i)!);
    const sched = await ensure(`scheduler-${i}`, bins.kubeScheduler, schedulerArgs(i, files), `--secure-port=${L.schedulerPort(i)}`, {
      port: L.schedulerPort(i),
      what: `kube-scheduler of ${c.name}`,
      env: goEnv,
    });
    const kcm = await ensure(`controller-manager-${i}`, bins.kubeControllerManager, controllerManagerArgs(i, files, pki), `--secure-port=${L.controllerManagerPort(i)}`, {
      port: L.controllerManagerPort(i),
      what: `kube-controller-manager of ${c.name}`,
      env: goEnv,
    });
    const agent = await ensure(`agent-${i}`, nodeBin, agentArgs(c, bins.kubernetesVersion), `--ingress-port ${c.ingressPort}`, {
      port: c.ingressPort,
      what: `ingress of ${c.name}`,
      env: process.env,
      cwd: L.repoRoot,
      code: agentCode,
    });
    waits.push(
      mustBeReady(sched, `kube-scheduler of ${c.name}`, () => probeHealthz(L.schedulerPort(i)), 60_000),
      mustBeReady(kcm, `kube-controller-manager of ${c.name}`, () => probeHealthz(L.controllerManagerPort(i)), 60_000),
      (async () => {
        await mustBeReady(agent, `agent of ${c.name} (ingress port)`, async () => ({ ok: await portOpen(c.ingressPort), detail: "ingress port closed" }), 60_000);
        // Pods can be created and placed only once the controller-manager made the default
        // ServiceAccounts and removed the not-ready taint from the agent's Ready nodes.
        for (const ns of L.serviceAccountNamespaces) {
          await mustBeReady(kcm, `ServiceAccount ${ns}/default on ${c.name}`, () => probeApi(c.apiserverUrl, pki.caCert, admin(c), `/api/v1/namespaces/${ns}/serviceaccounts/default`, () => undefined), 60_000);
        }
        await mustBeReady(agent, `schedulable nodes on ${c.name}`, () => probeApi(c.apiserverUrl, pki.caCert, admin(c), `/api/v1/nodes?labelSelector=${encodeURIComponent(POOL_LABEL)}`, (json) => nodesProblem(json, c.pools)), 60_000);
      })(),
    );
  }
  await Promise.all(waits);
  phase("components, agents, nodes");

  log(`timings: ${phases.join(", ")}`);
  const seconds = (Date.now() - t0) / 1000;
  return { started, kept, clusters: file, seconds };
}

/** Why the pools' nodes cannot take pods yet (too few, not Ready, or still tainted), or undefined. */
function nodesProblem(json: unknown, pools: readonly PoolSpec[]): string | undefined {
  type N = { metadata: { name: string }; spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } };
  const items = (json as { items?: N[] }).items ?? [];
  const want = pools.reduce((s, p) => s + p.min, 0);
  if (items.length < want) return `${items.length} of at least ${want} nodes registered`;
  for (const node of items) {
    if (!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return `node ${node.metadata.name} is not Ready`;
    const blocking = node.spec?.taints?.find((t) => t.key === "node.kubernetes.io/not-ready" || t.key === "node.kubernetes.io/unreachable");
    if (blocking) return `node ${node.metadata.name} still has taint ${blocking.key}`;
  }
  return undefined;
}
