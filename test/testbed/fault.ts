/**
 * `npm run testbed -- fault <cluster> <fault>`: what goes wrong on real clusters, on command.
 *   node-down <node>      the machine dies: its agent stops renewing the node's Lease and status and
 *                         its pods' processes stop (node lifecycle then marks it NotReady and taint
 *                         eviction deletes its pods)
 *   node-up <node>        the machine is back
 *   evict <ns>/<pod>      the Eviction API (as kubectl drain or a disruption would)
 *   quota <ns> <spec>     a ResourceQuota `testbed-fault` with spec.hard from "pods=1,requests.cpu=500m";
 *                         `quota <ns> none` removes it
 */
import { request } from "node:http";
import { UserError } from "../../src/errors.ts";
import { kubectl } from "./bootstrap.ts";
import { readClusters, type BedCluster } from "./state.ts";

export const QUOTA_NAME = "testbed-fault";

export const FAULT_USAGE = `fault <cluster> node-down <node> | node-up <node> | evict <namespace>/<pod> | quota <namespace> <name=quantity,…|none>`;

function clusterOf(arg: string | undefined): { cluster: BedCluster; kubeconfig: string } {
  const file = readClusters();
  if (!file) throw new UserError("the test bed is not running: start it with `npm run testbed -- up`");
  const name = /^\d+$/.test(arg ?? "") ? `testbed-${arg}` : arg;
  const cluster = file.clusters.find((c) => c.name === name);
  if (!cluster) throw new UserError(`no bed cluster "${arg ?? ""}"; the bed has ${file.clusters.map((c) => c.name).join(", ")}`, [`usage: npm run testbed -- ${FAULT_USAGE}`]);
  return { cluster, kubeconfig: file.kubeconfig };
}

function post(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", timeout: 30_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

function must(r: { status: number; stdout: string; stderr: string }, what: string): string {
  if (r.status !== 0) throw new UserError(`${what} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** "pods=1,requests.cpu=500m" → { pods: "1", "requests.cpu": "500m" }. */
export function parseQuotaSpec(spec: string): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const part of spec.split(",")) {
    const m = /^\s*([a-z0-9./-]+)\s*=\s*([0-9.]+[a-zA-Z]*)\s*$/.exec(part);
    if (!m) throw new UserError(`quota spec "${spec}": "${part}" is not name=quantity`, ['e.g. "pods=1,requests.cpu=500m,limits.memory=1Gi", or "none" to remove the quota']);
    hard[m[1]!] = m[2]!;
  }
  return hard;
}

export async function fault(args: readonly string[], log: (line: string) => void = console.log): Promise<void> {
  const [clusterArg, kind, target, spec] = args;
  const { cluster, kubeconfig } = clusterOf(clusterArg);
  const k = (argv: string[], input?: string) => kubectl(kubeconfig, cluster.context, argv, input);
  switch (kind) {
    case "node-down":
    case "node-up": {
      if (!target) throw new UserError(`${kind} needs a node name; list them with \`kubectl --kubeconfig ${kubeconfig} --context ${cluster.context} get nodes\``);
      const r = await post(`${cluster.ingressUrl}/_agent/nodes/${encodeURIComponent(target)}/${kind === "node-down" ? "down" : "up"}`).catch((e: Error) => {
        throw new UserError(`the agent of ${cluster.name} did not answer (${e.message}); is the bed up (npm run testbed -- status)?`);
      });
      if (r.status !== 200) throw new UserError(`${kind} ${target} on ${cluster.name}: ${(JSON.parse(r.body) as { error?: string }).error ?? r.body}`);
      log(`${cluster.name}: node ${target} is ${kind === "node-down" ? "down" : "up"}`);
      return;
    }
    case "evict": {
      const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(target ?? "");
      if (!m) throw new UserError(`evict needs <namespace>/<pod>, got "${target ?? ""}"`);
      const [, namespace, pod] = m;
      const body = JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } });
      must(k(["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, "-f", "-"], body), `evicting ${namespace}/${pod} on ${cluster.name}`);
      log(`${cluster.name}: evicted ${namespace}/${pod}`);
      return;
    }
    case "quota": {
      if (!target || !spec) throw new UserError(`quota needs <namespace> <spec>, e.g. \`quota default pods=1,requests.cpu=500m\` or \`quota default none\``);
      if (spec === "none") {
        must(k(["-n", target, "delete", "resourcequota", QUOTA_NAME, "--ignore-not-found"]), `removing the quota in ${target}`);
        log(`${cluster.name}: quota ${target}/${QUOTA_NAME} removed`);
        return;
      }
      const quota = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: QUOTA_NAME, namespace: target }, spec: { hard: parseQuotaSpec(spec) } };
      must(k(["apply", "--server-side", "--force-conflicts", "--field-manager=mcks-testbed-fault", "-f", "-"], JSON.stringify(quota)), `setting the quota in ${target}`);
      log(`${cluster.name}: quota ${target}/${QUOTA_NAME} = ${JSON.stringify(quota.spec.hard)}`);
      return;
    }
    default:
      throw new UserError(`unknown fault "${kind ?? ""}"`, [`usage: npm run testbed -- ${FAULT_USAGE}`]);
  }
}
