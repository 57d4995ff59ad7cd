/**
 * `npm run testbed -- build | up [--clusters N] [--pools FILE] | down | status | fault …`
 * The test bed: real Kubernetes control planes on loopback, with the agents standing in for
 * kubelets, cluster-autoscaler, a volume provisioner and an ingress controller.
 */
import { formatError, UserError } from "../../src/errors.ts";
import { binaryPaths, ensureBinaries } from "./build.ts";
import { down } from "./down.ts";
import { fault, FAULT_USAGE } from "./fault.ts";
import { kubeconfigPath } from "./layout.ts";
import { status } from "./status.ts";
import { readPoolsFile, up } from "./up.ts";

const usage = `usage: npm run testbed -- <command>
  build                 compile kube-apiserver, kube-scheduler, kube-controller-manager and etcd (cached per pin in ~/.cache/mcks-testbed)
  up [--clusters N] [--pools FILE]
                        start etcd and per cluster (default 3) an API server, scheduler, controller-manager
                        and agent; idempotent. FILE: {"testbed-2": [pool, …]} replaces those clusters' node pools
  down                  stop what \`up\` started and wipe etcd's data
  status                show each process, its memory, CPU time and health (exit 1 when unhealthy)
  ${FAULT_USAGE}`;

function parseUp(args: readonly string[]): { clusters?: number; poolsFile?: string } {
  const out: { clusters?: number; poolsFile?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag !== "--clusters" && flag !== "--pools") throw new UserError(`unknown argument "${a}" for \`up\``, [usage]);
    const v = inline ?? args[++i];
    if (v === undefined) throw new UserError(`${flag} needs a value`, [usage]);
    if (flag === "--pools") out.poolsFile = v;
    else {
      out.clusters = Number(v);
      if (!Number.isInteger(out.clusters) || out.clusters < 1) throw new UserError(`--clusters needs a positive integer, got "${v}"`);
    }
  }
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "build": {
      const b = await ensureBinaries();
      console.log(`kubernetes ${b.kubernetesVersion}: ${b.kubeApiserver}, ${b.kubeScheduler}, ${b.kubeControllerManager}\netcd ${b.etcdVersion}: ${b.etcd}`);
      return 0;
    }
    case "up": {
      const o = parseUp(rest);
      const r = await up({ clusters: o.clusters, pools: o.poolsFile ? readPoolsFile(o.poolsFile) : undefined });
      if (r.started.length) console.log(`started: ${r.started.join(", ")}`);
      if (r.kept.length) console.log(`already running: ${r.kept.join(", ")}`);
      for (const c of r.clusters.clusters) {
        const pools = c.pools.map((p) => `${p.name} ${p.nodes} (${p.min}–${p.max})`).join(", ");
        console.log(`  ${c.context.padEnd(12)} ${c.apiserverUrl}  ingress ${c.ingressUrl}  (restricted: ${c.restrictedContext})  pools: ${pools}`);
      }
      console.log(`kubeconfig: ${kubeconfigPath}   (kubernetes ${r.clusters.kubernetesVersion}, up in ${r.seconds.toFixed(1)} s)`);
      return 0;
    }
    case "down":
      await down();
      return 0;
    case "fault":
      await fault(rest);
      return 0;
    case "status": {
      const s = await status();
      if (s.lines.length === 0) {
        console.log(`test bed is not running${binaryPaths().built ? "" : " (binaries not built yet)"}`);
        return 1;
      }
      for (const l of s.lines) {
        const rss = l.rssMiB === undefined ? "      -" : `${l.rssMiB.toFixed(0).padStart(5)} MiB`;
        const cpu = l.cpuSeconds === undefined ? "      -" : `${l.cpuSeconds.toFixed(1).padStart(6)} s`;
        console.log(`${l.key.padEnd(20)} pid ${String(l.pid).padEnd(8)} ${rss} ${cpu} CPU  ${l.health}`);
      }
      console.log(`total RSS ${s.totalRssMiB.toFixed(0)} MiB, CPU ${s.totalCpuSeconds.toFixed(1)} s since start — ${s.healthy ? "healthy" : "NOT healthy"}`);
      return s.healthy ? 0 : 1;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(usage);
      return cmd === undefined ? 1 : 0;
    default:
      throw new UserError(`unknown test bed command "${cmd}"`, [usage]);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(formatError(err).replace(/^mcks:/, "testbed:"));
    process.exit(1);
  },
);
