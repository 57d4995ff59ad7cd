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
/** Per cluster: the scheduler's and controller-manager's kubeconfigs and the scheduler's config. */
export const componentDir = (cluster: number): string => join(stateDir, "components", clusterName(cluster));

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
/**
 * HTTPS /healthz of each cluster's kube-scheduler and kube-controller-manager. Bases ending in 60
 * and 20 keep them off the API servers' (…41–…60) of beds whose offsets differ by hundreds.
 */
export const schedulerPort = (cluster: number): number => 16460 + portOffset + cluster;
export const controllerManagerPort = (cluster: number): number => 16420 + portOffset + cluster;

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
/** Namespaces whose `default` ServiceAccount (made by kube-controller-manager) `up` waits for. */
export const serviceAccountNamespaces: readonly string[] = ["default", ...extraNamespaces];

/** The identities of the control-plane components, bound by the API server's bootstrap RBAC. */
export const schedulerUser = "system:kube-scheduler";
export const controllerManagerUser = "system:kube-controller-manager";
