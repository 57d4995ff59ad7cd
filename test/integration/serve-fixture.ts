/**
 * Shared by the serve-*.test.ts files: a real `mcks serve` process (the built binary when
 * MCKS_BIN is set, as `npm test` does, otherwise the sources) on the real test bed, a config
 * written for it, and kubectl to look at what landed in the clusters.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { connect, type RpcClient } from "../../src/rpc/client.ts";
import { HOME_VOLUME } from "../fixtures/home-volume.ts";
import { UPSTREAM_PATCHES, UPSTREAM_RESOURCES } from "../fixtures/upstream-examples.ts";

const root = join(import.meta.dirname, "../..");
const token = (s: string) => `tok-${s}-${Math.random().toString(36).slice(2)}`;

export { ensureBed, type Bed, token };

/** The DSL config the serve tests use; every profile runs against the bed's restricted identities. */
export function writeServeConfig(bed: Bed, dir: string, opts: { startTimeout?: number } = {}): string {
  const c = (i: number) => bed.clusters[i - 1]!;
  const cluster = (i: number) =>
    `"${c(i).name}": { context: "${c(i).restrictedContext}", kubeconfig: ${JSON.stringify(bed.kubeconfig)}, ingressPublicUrl: "${c(i).ingressUrl}", namespace: "default" }`;
  const file = join(dir, "config.ts");
  writeFileSync(
    file,
    `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { ${[1, 2, 3].map(cluster).join(",\n    ")} },
  defaults: { image: "testbed/singleuser:latest", cpuLimit: 1, memLimit: "256M", memGuarantee: "64M" },
  profiles: [
    {
      slug: "alpha", displayName: "Alpha", cluster: "testbed-1", default: true,
      patches: ${JSON.stringify(PATCHES_WITHOUT_GPU)},
      resources: ${JSON.stringify({ "00-home": HOME_VOLUME, ...UPSTREAM_RESOURCES })},
    },
    { slug: "beta", displayName: "Beta", cluster: "testbed-2" },
    { slug: "gamma", displayName: "Gamma", cluster: "testbed-3" },
    { slug: "pullfail", displayName: "Broken image", cluster: "testbed-3", image: "testbed/fail-pull:1" },
    { slug: "unsched", displayName: "No room", cluster: "testbed-3", patches: ${JSON.stringify({ "01-nowhere": NO_NODE_PATCH })} },
    { slug: "slow", displayName: "Slow", cluster: "testbed-1", image: "testbed/slow-start-4000:1" },
    // Its own start timeout, shorter than the slow start: the daemon gives up after 2 s.
    { slug: "hasty", displayName: "Hasty", cluster: "testbed-1", image: "testbed/slow-start-4000:1", startTimeout: 2 },
    // A home volume from the storage setting, provisioned by the bed's "standard" class when the pod is scheduled.
    { slug: "homed", displayName: "With a home", cluster: "testbed-2", storage: { capacity: "1Gi", storageClass: "standard" } },
    // Pending (ContainerCreating) for longer than any test: a start that never gets its server up.
    { slug: "stuck", displayName: "Stuck", cluster: "testbed-1", image: "testbed/slow-start-600000:1" },
    // An environment function that throws with the user's auth state (serve-native-settings.test.ts).
    { slug: "leaky", displayName: "Leaky", cluster: "testbed-1", environment: { API: (ctx) => { throw new Error("refused " + JSON.stringify(ctx.user.authState)); } } },
    // Another storage setting for the same home: Kubernetes refuses to change a claim's class or shrink it.
    { slug: "rehomed", displayName: "Another home setting", cluster: "testbed-2", storage: { capacity: "500Mi", storageClass: "fast", accessModes: ["ReadWriteMany"] } },
  ],
  startTimeout: ${opts.startTimeout ?? 60},
  pollGracePeriod: 30,
});
`,
  );
  return file;
}

/**
 * Upstream's example patches, less the one asking for a GPU: testbed-1 has no GPU node (the bed's
 * GPU pool is on testbed-2 and starts empty, test/testbed/agent/pools.ts), and the real scheduler
 * would leave the pod Pending.
 */
const PATCHES_WITHOUT_GPU = Object.fromEntries(Object.entries(UPSTREAM_PATCHES).filter(([, p]) => !p.includes("nvidia.com/gpu")));

/** A node pool no bed cluster has: the real scheduler cannot place the pod (FailedScheduling). */
const NO_NODE_PATCH = `
kind: Pod
metadata:
  name: {{key}}
spec:
  nodeSelector:
    mcks.testbed/pool: no-such-pool
`;

export interface ServeProcess {
  readonly socket: string;
  readonly child: ChildProcess;
  /** Everything the daemon wrote to stderr and stdout so far. */
  log(): string;
  /**
   * The log once `test` holds on it, or as it is after `timeoutMs`, for the caller to assert on.
   * The daemon's stderr and its answer on the socket reach the test on two channels, so a line
   * written before an answer may be read after it.
   */
  logged(test: (log: string) => boolean, timeoutMs?: number): Promise<string>;
  client(onNotification?: (method: string, params: unknown) => void): Promise<RpcClient>;
  /** SIGTERM and wait; or SIGKILL with `kill("SIGKILL")`. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function command(): string[] {
  const bin = process.env.MCKS_BIN;
  if (bin) {
    if (!existsSync(bin)) throw new Error(`MCKS_BIN=${bin} does not exist; run npm run build`);
    return [bin];
  }
  return [process.execPath, join(root, "src/main.ts")];
}

/** Start `mcks serve` (with `extraArgs`) and wait until it answers `health`; fails loudly with its log otherwise. */
export async function startServe(configPath: string, socket?: string, extraArgs: readonly string[] = []): Promise<ServeProcess> {
  const sock = socket ?? join(mkdtempSync(join(tmpdir(), "mcks-serve-")), "mcks.sock");
  const [cmd, ...args] = command();
  const child = spawn(cmd!, [...args, "serve", "-c", configPath, "--socket", sock, ...extraArgs], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mcks serve exited with ${child.exitCode}:\n${out}`);
    if (existsSync(sock)) {
      try {
        const c = await connect(sock);
        await c.call("health", {}, { timeoutMs: 5000 });
        await c.close();
        break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`mcks serve did not answer on ${sock} within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    socket: sock,
    child,
    log: () => out,
    logged: (test, timeoutMs = 10_000) => settled(() => out, test, timeoutMs, 50),
    client: (onNotification) => connect(sock, onNotification ? { onNotification } : {}),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill(signal) {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

export function kubectl(bed: Bed, context: string, args: string[]): string {
  const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "--context", context, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const KINDS = "pods,services,serviceaccounts,secrets,configmaps,persistentvolumeclaims,ingresses.networking.k8s.io,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io";

/** `Kind/name` of every managed object on a bed cluster, optionally of one key. */
export function managedObjects(bed: Bed, cluster: string, key?: string): string[] {
  const selector = `app.kubernetes.io/managed-by=multicluster-kubespawner${key ? `,mcks.hub.jupyter.org/key=${key}` : ""}`;
  const json = kubectl(bed, cluster, ["get", KINDS, "-A", "-l", selector, "-o", "json"]);
  const items = (JSON.parse(json) as { items: Array<{ kind: string; metadata: { name: string; deletionTimestamp?: string } }> }).items;
  return items.filter((i) => !i.metadata.deletionTimestamp).map((i) => `${i.kind}/${i.metadata.name}`).sort();
}

/**
 * The managed objects of a key once a stop has settled: stop returns when the Pod is gone and the
 * cluster's garbage collector removes the rest a moment later, so this waits (bounded) until the
 * list is `expected` and returns what it last saw, for the caller to assert on.
 */
export function objectsAfterStop(bed: Bed, cluster: string, key: string, expected: readonly string[] = [], timeoutMs = 30_000): Promise<string[]> {
  return settled(() => managedObjects(bed, cluster, key), (now) => JSON.stringify(now) === JSON.stringify(expected), timeoutMs);
}

/**
 * Reads `read()` until `done` holds on the reading or `timeoutMs` has passed, and returns the
 * last reading: the caller asserts on it, so a miss fails with what was there.
 */
export async function settled<T>(read: () => T, done: (v: T) => boolean, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Removes what an earlier, failed run left for these keys, so each run starts clean. */
export function cleanKeys(bed: Bed, keys: readonly string[]): void {
  const selector = `mcks.hub.jupyter.org/key in (${keys.join(",")})`;
  for (const c of bed.clusters) {
    kubectl(bed, c.context, ["delete", KINDS, "-A", "-l", selector, "--grace-period=0", "--wait=true", "--ignore-not-found"]);
  }
}

/** The loopback /16 a bed cluster's pods get their IPs from (its node's InternalIP says which). */
export function podNetwork(bed: Bed, cluster: string): string {
  const ip = kubectl(bed, cluster, ["get", "nodes", "-o", `jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}`]);
  const [a, b] = ip.split(".");
  return `${a}.${b}.`;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function dryRun(configPath: string, args: string[]): string {
  const [cmd, ...rest] = command();
  const r = spawnSync(cmd!, [...rest, "dry-run", "-c", configPath, "-o", "json", ...args], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dry-run failed: ${r.stderr}`);
  return r.stdout;
}
