/**
 * `npm run testbed -- up`: one shared etcd (each API server under its own --etcd-prefix: one
 * etcd costs far less memory than N), N kube-apiservers, the bootstrap objects, and per cluster
 * the fake kubelet/ingress agent. Idempotent: whatever is already running and ours is kept.
 */
import { existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { bootstrapCluster } from "./bootstrap.ts";
import { ensureBinaries, type Binaries } from "./build.ts";
import { ensurePki, ensureTokens, tokenAuthFile, type Pki } from "./certs.ts";
import { probeApiserver, probeEtcd, waitFor } from "./health.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import * as L from "./layout.ts";
import { isOurs, staleCode, startDetached, stopProcess, tail } from "./processes.ts";
import { readClusters, readPids, writeClusters, writePids, type BedCluster, type ClustersFile, type PidsFile } from "./state.ts";
import { withLock } from "./lock.ts";

const agentMain = join(L.testbedSrc, "agent/main.ts");
const controllersMain = join(L.testbedSrc, "controllers.ts");
/** Code whose change makes `up` restart the process running it. */
export const agentCode = [join(L.testbedSrc, "agent"), join(L.repoRoot, "src/errors.ts")];
export const controllersCode = [controllersMain];
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
    // No kube-controller-manager runs: nothing would maintain the `kubernetes` Endpoints.
    "--endpoint-reconciler-type=none",
    // StorageObjectInUseProtection adds a finalizer only kube-controller-manager removes, so a
    // deleted PVC would hang in Terminating forever; the rest of the default set works alone.
    "--enable-admission-plugins=NodeRestriction",
    "--disable-admission-plugins=StorageObjectInUseProtection",
    // Memory: priority-and-fairness keeps per-level queues and a config controller per server.
    "--enable-priority-and-fairness=false",
    "--profiling=false",
    "--shutdown-delay-duration=0s",
    "--v=0",
  ];
}

/** Go's collector trades a little CPU for a much smaller heap; the bed is tiny. */
const apiserverEnv = { ...process.env, GOGC: "50" };

export interface UpResult {
  readonly started: readonly string[];
  readonly kept: readonly string[];
  readonly clusters: ClustersFile;
  readonly seconds: number;
}

export function up(opts: { clusters?: number; log?: (line: string) => void } = {}): Promise<UpResult> {
  return withLock(() => upLocked(opts));
}

async function upLocked(opts: { clusters?: number; log?: (line: string) => void }): Promise<UpResult> {
  const log = opts.log ?? console.log;
  const t0 = Date.now();
  const phases: string[] = [];
  let tPhase = t0;
  const phase = (name: string): void => {
    const now = Date.now();
    phases.push(`${name} ${((now - tPhase) / 1000).toFixed(1)} s`);
    tPhase = now;
  };
  const previous = readClusters()?.clusters.length ?? 0;
  const n = Math.max(opts.clusters ?? L.defaultClusters, previous);
  if (!Number.isInteger(n) || n < 1 || n > L.maxClusters) throw new UserError(`--clusters must be an integer from 1 to ${L.maxClusters}, got ${opts.clusters}`);

  const bins: Binaries = await ensureBinaries(log);
  phase("binaries");
  for (const d of [L.stateDir, L.logDir]) mkdirSync(d, { recursive: true });
  const pki = ensurePki();
  const pids: PidsFile = readPids();
  const started: string[] = [];
  const kept: string[] = [];
  const save = (key: string, rec: PidsFile[string]): void => {
    pids[key] = rec;
    writePids(pids); // after every start, so a crash half-way still lets `down` clean up
    started.push(key);
  };

  // etcd
  if (isOurs(pids.etcd)) kept.push("etcd");
  else {
    await requireFreePort(L.etcdClientPort, "etcd");
    save("etcd", startDetached("etcd", bins.etcd, etcdArgs(), `--listen-client-urls=http://127.0.0.1:${L.etcdClientPort}`));
  }
  const etcdRec = pids.etcd!;
  await waitFor("etcd", () => probeEtcd(L.etcdClientPort), () => isOurs(etcdRec), 30_000).catch((e: Error) => {
    throw new UserError(e.message, tail(etcdRec.log));
  });
  phase("etcd");

  // API servers: started together, waited for together (each takes a few seconds to boot).
  const clusters: BedCluster[] = [];
  const tokens = new Map<number, ReturnType<typeof ensureTokens>>();
  for (let i = 1; i <= n; i++) {
    const tk = ensureTokens(i);
    tokens.set(i, tk);
    const key = `apiserver-${i}`;
    if (isOurs(pids[key])) kept.push(key);
    else {
      await requireFreePort(L.apiserverPort(i), `API server ${i}`);
      const tokenFile = tokenAuthFile(i, tk, L.adminUser, L.restrictedUser);
      save(key, startDetached(key, bins.kubeApiserver, apiserverArgs(i, pki, tokenFile), `--secure-port=${L.apiserverPort(i)}`, apiserverEnv));
    }
    clusters.push({
      name: L.clusterName(i),
      index: i,
      context: L.clusterName(i),
      restrictedContext: L.restrictedContext(i),
      apiserverUrl: `https://127.0.0.1:${L.apiserverPort(i)}`,
      ingressPort: L.ingressPort(i),
      ingressUrl: `http://127.0.0.1:${L.ingressPort(i)}`,
    });
  }
  await Promise.all(
    clusters.map((c) => {
      const rec = pids[`apiserver-${c.index}`]!;
      return waitFor(`kube-apiserver ${c.name}`, () => probeApiserver(c.apiserverUrl, pki.caCert, tokens.get(c.index)!.admin), () => isOurs(rec), 90_000).catch((e: Error) => {
        throw new UserError(`${e.message}; log: ${rec.log}`, tail(rec.log));
      });
    }),
  );

  phase("apiservers");
  writeKubeconfig(L.kubeconfigPath, pki.caCert, clusters.map((c) => ({ index: c.index, server: c.apiserverUrl, tokens: tokens.get(c.index)! })));
  // clusters.json is written only after bootstrap, so a cluster listed there whose etcd and API
  // server were both kept is already bootstrapped and needs no second kubectl round.
  const bootstrapped = new Set(kept.includes("etcd") ? (readClusters()?.clusters ?? []).map((c) => c.index) : []);
  await Promise.all(clusters.filter((c) => !(bootstrapped.has(c.index) && kept.includes(`apiserver-${c.index}`))).map((c) => bootstrapCluster(L.kubeconfigPath, c.context)));
  const file: ClustersFile = { kubeconfig: L.kubeconfigPath, kubernetesVersion: bins.kubernetesVersion, clusters };
  writeClusters(file);
  phase("bootstrap");

  // The kube-controller-manager loops the bed needs (controllers.ts), one process for all clusters.
  const contexts = `--contexts ${clusters.map((c) => c.context).join(",")}`;
  const ctrl = pids.controllers;
  if (isOurs(ctrl) && ctrl?.marker === contexts && !staleCode(ctrl, controllersCode)) kept.push("controllers");
  else {
    if (ctrl) await stopProcess(ctrl); // it watches a different set of clusters, or runs old code
    const args = [controllersMain, "--kubeconfig", L.kubeconfigPath, ...contexts.split(" ")];
    save("controllers", startDetached("controllers", nodeBin, args, contexts, process.env, L.repoRoot));
  }
  phase("controllers");

  // Agents (fake kubelet + ingress), one per cluster.
  if (existsSync(agentMain)) {
    for (const c of clusters) {
      const key = `agent-${c.index}`;
      const rec = pids[key];
      if (isOurs(rec) && !staleCode(rec!, agentCode)) {
        kept.push(key);
        continue;
      }
      if (rec) await stopProcess(rec); // runs code older than what is on disk now
      await requireFreePort(c.ingressPort, `ingress of ${c.name}`);
      const args = [agentMain, "--kubeconfig", L.kubeconfigPath, "--context", c.context, "--cluster", String(c.index), "--ingress-port", String(c.ingressPort)];
      save(key, startDetached(key, nodeBin, args, `--ingress-port ${c.ingressPort}`, process.env, L.repoRoot));
    }
    await Promise.all(
      clusters.map((c) => {
        const rec = pids[`agent-${c.index}`]!;
        return waitFor(`agent of ${c.name} (ingress port)`, async () => ({ ok: await portOpen(c.ingressPort), detail: "ingress port closed" }), () => isOurs(rec), 30_000).catch((e: Error) => {
          throw new UserError(`${e.message}; log: ${rec.log}`, tail(rec.log));
        });
      }),
    );
  } else {
    // TODO(issue 4 part 3/4): the agent is written in parallel; until it lands no pod becomes Ready.
    log(`note: ${agentMain} does not exist yet: no fake kubelet/ingress started, pods will stay Pending`);
  }

  phase("agents");
  log(`timings: ${phases.join(", ")}`);
  const seconds = (Date.now() - t0) / 1000;
  return { started, kept, clusters: file, seconds };
}
