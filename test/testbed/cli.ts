/**
 * `npm run testbed -- build | up [--clusters N] | down | status`
 * The test bed: real kube-apiservers + etcd on loopback, with the fake kubelet/ingress agents.
 */
import { formatError, UserError } from "../../src/errors.ts";
import { binaryPaths, ensureBinaries } from "./build.ts";
import { down } from "./down.ts";
import { kubeconfigPath } from "./layout.ts";
import { status } from "./status.ts";
import { up } from "./up.ts";

const usage = `usage: npm run testbed -- <command>
  build                 compile kube-apiserver, kube-scheduler, kube-controller-manager and etcd (cached per pin in ~/.cache/mcks-testbed)
  up [--clusters N]     start etcd, N API servers (default 3) and their agents; idempotent
  down                  stop what \`up\` started and wipe etcd's data
  status                show each process, its memory and health (exit 1 when unhealthy)`;

function parseClusters(args: readonly string[]): number | undefined {
  let n: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a === "--clusters" ? args[++i] : a.startsWith("--clusters=") ? a.slice("--clusters=".length) : undefined;
    if (v === undefined) throw new UserError(`unknown argument "${a}" for \`up\``, [usage]);
    n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--clusters needs a positive integer, got "${v}"`);
  }
  return n;
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
      const r = await up({ clusters: parseClusters(rest) });
      if (r.started.length) console.log(`started: ${r.started.join(", ")}`);
      if (r.kept.length) console.log(`already running: ${r.kept.join(", ")}`);
      for (const c of r.clusters.clusters) console.log(`  ${c.context.padEnd(12)} ${c.apiserverUrl}  ingress ${c.ingressUrl}  (restricted: ${c.restrictedContext})`);
      console.log(`kubeconfig: ${kubeconfigPath}   (kubernetes ${r.clusters.kubernetesVersion}, up in ${r.seconds.toFixed(1)} s)`);
      return 0;
    }
    case "down":
      await down();
      return 0;
    case "status": {
      const s = await status();
      if (s.lines.length === 0) {
        console.log(`test bed is not running${binaryPaths().built ? "" : " (binaries not built yet)"}`);
        return 1;
      }
      for (const l of s.lines) {
        console.log(`${l.key.padEnd(12)} pid ${String(l.pid).padEnd(8)} ${l.rssMiB === undefined ? "      -" : `${l.rssMiB.toFixed(0).padStart(5)} MiB`}  ${l.health}`);
      }
      console.log(`total RSS ${s.totalRssMiB.toFixed(0)} MiB — ${s.healthy ? "healthy" : "NOT healthy"}`);
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
