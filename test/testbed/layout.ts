/**
 * Where the test bed keeps things and which loopback ports it uses. One place, so `up`, `down`,
 * `status`, the test helper and the mcks config agree without passing paths around.
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../src/errors.ts";

/** Repository root (this file is test/testbed/layout.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const testbedSrc = join(repoRoot, "test/testbed");

/**
 * Runtime state of the bed: git-ignored (`.testbed/` is in .gitignore). MCKS_TESTBED_DIR and
 * MCKS_TESTBED_PORT_OFFSET run a second, separate bed (e.g. to measure a cold `up` while
 * others use the first one).
 */
export const stateDir = process.env.MCKS_TESTBED_DIR ? resolve(process.env.MCKS_TESTBED_DIR) : join(repoRoot, ".testbed");
const portOffset = Number(process.env.MCKS_TESTBED_PORT_OFFSET ?? 0);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 5000) {
  throw new UserError(`MCKS_TESTBED_PORT_OFFSET must be an integer from 0 to 5000, got "${process.env.MCKS_TESTBED_PORT_OFFSET}"`);
}
export const logDir = join(stateDir, "logs");
export const pkiDir = join(stateDir, "pki");
export const etcdDataDir = join(stateDir, "etcd-data");
export const kubeconfigPath = join(stateDir, "kubeconfig");
export const clustersJsonPath = join(stateDir, "clusters.json");
export const pidsJsonPath = join(stateDir, "pids.json");

/** Compiled binaries live outside the repo; one folder per pin (see build.ts). */
export const cacheRoot = process.env.MCKS_TESTBED_CACHE ?? join(homedir(), ".cache/mcks-testbed");

export const defaultClusters = 3;
export const maxClusters = 20;

/**
 * Ports: fixed, high and unusual so they do not meet a system etcd (2379) or a dev server.
 * All bind to 127.0.0.1 only.
 */
export const etcdClientPort = 23790 + portOffset;
export const etcdPeerPort = 23800 + portOffset;
export const apiserverPort = (cluster: number): number => 16440 + portOffset + cluster;
export const ingressPort = (cluster: number): number => 18080 + portOffset + cluster;

export const clusterName = (cluster: number): string => `testbed-${cluster}`;
export const restrictedContext = (cluster: number): string => `testbed-${cluster}-restricted`;
/** The user mcks is granted exactly rbac-minimal.yaml as (same name on every cluster). */
export const restrictedUser = "mcks-restricted";
export const adminUser = "testbed-admin";

/**
 * Namespaces made on every cluster besides the built-in ones. `testbed-other` exists so tests
 * can check the restricted user is denied outside `default`.
 */
export const extraNamespaces: readonly string[] = ["testbed-other"];
/** Namespaces that get a `default` ServiceAccount (kube-controller-manager would make it). */
export const serviceAccountNamespaces: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  ...extraNamespaces,
];
