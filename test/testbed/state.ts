/**
 * The two files `up` writes and everyone else reads: `.testbed/clusters.json` (what the bed
 * offers, for tests and test/testbed/config.ts) and `.testbed/pids.json` (what `up` started, so
 * `down` stops exactly that and nothing else).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { UserError } from "../../src/errors.ts";
import type { PoolSpec } from "./agent/pools.ts";
import { clustersJsonPath, pidsJsonPath } from "./layout.ts";

/** One entry of `.testbed/clusters.json`. */
export interface BedCluster {
  /** `testbed-N`; also the admin context name. */
  readonly name: string;
  readonly index: number;
  /** Admin context (system:masters). */
  readonly context: string;
  /** Context of the user granted only test/testbed/rbac-minimal.yaml in `default`. */
  readonly restrictedContext: string;
  readonly apiserverUrl: string;
  readonly ingressPort: number;
  /** `http://127.0.0.1:<ingressPort>`. */
  readonly ingressUrl: string;
  /** The node pools the cluster's agent registers and autoscales (agent/pools.ts). */
  readonly pools: readonly PoolSpec[];
}

export interface ClustersFile {
  readonly kubeconfig: string;
  readonly kubernetesVersion: string;
  readonly clusters: readonly BedCluster[];
}

export interface ProcessRecord {
  readonly pid: number;
  /** argv[0] as started; checked against /proc/<pid>/cmdline so a reused pid is never killed. */
  readonly exe: string;
  /** A string that must appear in the command line (e.g. the port), same reason. */
  readonly marker: string;
  readonly log: string;
  readonly startedAt: string;
  /** Hash of the arguments it was started with: `up` restarts it when they change. */
  readonly argsHash?: string;
}

/** Key: `etcd`, `apiserver-N`, `scheduler-N`, `controller-manager-N`, `agent-N`. */
export type PidsFile = Record<string, ProcessRecord>;

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

export function readPids(): PidsFile {
  if (!existsSync(pidsJsonPath)) return {};
  try {
    return JSON.parse(readFileSync(pidsJsonPath, "utf8")) as PidsFile;
  } catch (e) {
    throw new UserError(`${pidsJsonPath} is not valid JSON (${(e as Error).message}); stop stray processes by hand and delete it`);
  }
}

export const writePids = (pids: PidsFile): void => writeJsonAtomic(pidsJsonPath, pids);

export function readClusters(): ClustersFile | undefined {
  if (!existsSync(clustersJsonPath)) return undefined;
  return JSON.parse(readFileSync(clustersJsonPath, "utf8")) as ClustersFile;
}

export const writeClusters = (file: ClustersFile): void => writeJsonAtomic(clustersJsonPath, file);
