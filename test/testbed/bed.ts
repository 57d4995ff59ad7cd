/**
 * For tests: `const bed = await ensureBed({ clusters: 3 })` gives the kubeconfig and clusters of a
 * running test bed, starting it (and building it, the first time) when it is not running, so any
 * test file can run alone. Anything that cannot start throws: a test never passes without a bed.
 * The bed is left running afterwards (`npm run testbed -- down` stops it).
 */
import { ensureTokens } from "./certs.ts";
import { probeApiserver } from "./health.ts";
import * as L from "./layout.ts";
import { isOurs, staleCode } from "./processes.ts";
import { readClusters, readPids, type BedCluster } from "./state.ts";
import { agentCode, up } from "./up.ts";
import { join } from "node:path";

export type { BedCluster } from "./state.ts";

export interface Bed {
  readonly kubeconfig: string;
  readonly kubernetesVersion: string;
  /** Exactly the number asked for, `testbed-1` first. */
  readonly clusters: readonly BedCluster[];
  /** Whether the agents (kubelets, autoscaler, provisioner, ingress) run: always, once `up` returned. */
  readonly agents: boolean;
}

async function running(n: number): Promise<Bed | undefined> {
  const file = readClusters();
  if (!file || file.clusters.length < n) return undefined;
  const pids = readPids();
  const perCluster = (i: number) => [`apiserver-${i}`, `scheduler-${i}`, `controller-manager-${i}`, `agent-${i}`];
  const want = ["etcd", ...file.clusters.slice(0, n).flatMap((c) => perCluster(c.index))];
  if (!want.every((k) => isOurs(pids[k]))) return undefined;
  if (file.clusters.slice(0, n).some((c) => staleCode(pids[`agent-${c.index}`]!, agentCode))) return undefined;
  const ca = join(L.pkiDir, "ca.crt");
  for (const c of file.clusters.slice(0, n)) {
    if (!(await probeApiserver(c.apiserverUrl, ca, ensureTokens(c.index).admin)).ok) return undefined;
  }
  return { kubeconfig: file.kubeconfig, kubernetesVersion: file.kubernetesVersion, clusters: file.clusters.slice(0, n), agents: true };
}

export async function ensureBed(opts: { clusters?: number } = {}): Promise<Bed> {
  const n = opts.clusters ?? L.defaultClusters;
  const ready = await running(n);
  if (ready) return ready;
  // Progress goes to stderr so it never mixes with a test reporter's stdout.
  const r = await up({ clusters: n, log: (line) => console.error(`[testbed] ${line}`) });
  return { kubeconfig: r.clusters.kubeconfig, kubernetesVersion: r.clusters.kubernetesVersion, clusters: r.clusters.clusters.slice(0, n), agents: true };
}
