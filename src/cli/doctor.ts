import { command, option, string } from "cmd-ts";
import { loadConfig } from "../config/load.ts";

export const doctorCommand = command({
  name: "doctor",
  description: "Check every cluster of config.ts: reachable, which Kubernetes version, whether the context may do what starting servers needs, and whether its ingressPublicUrl answers from here",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
  },
  async handler(a) {
    const { config } = await loadConfig(a.config);
    // Loaded here: only this command and serve need the Kubernetes client.
    const { doctor } = await import("../kube/doctor.ts");
    const reports = await doctor(
      [...config.clusters.values()].map((c) => ({ ...c, namespace: c.namespace.includes("{{") ? undefined : c.namespace })),
    );
    let bad = 0;
    for (const r of reports) {
      const ns = config.clusters.get(r.cluster)?.namespace ?? "";
      if (r.error) {
        bad++;
        process.stdout.write(`✗ ${r.cluster} (context ${r.context}, ${r.server}): unreachable: ${r.error}\n`);
      } else if (r.denied.length > 0) {
        bad++;
        process.stdout.write(
          `✗ ${r.cluster} (context ${r.context}, Kubernetes ${r.version}): ${r.denied.length} of ${r.checked} permissions missing in namespace ${ns}: ${r.denied.join(", ")}\n` +
            `  grant them with the Role in the README ("What each target cluster must grant")\n`,
        );
      } else {
        process.stdout.write(`✓ ${r.cluster} (context ${r.context}, Kubernetes ${r.version}): reachable, all ${r.checked} permissions granted in namespace ${ns}\n`);
      }
      if (r.ingress?.error !== undefined) {
        bad++;
        process.stdout.write(
          `✗ ${r.cluster}: ingressPublicUrl ${r.ingress.url} does not answer from this machine: ${r.ingress.error}\n` +
            `  the hub's proxy sends users' traffic there: check clusters.${r.cluster}.ingressPublicUrl, the ingress controller's Service, DNS and firewalls\n`,
        );
      } else if (r.ingress) {
        process.stdout.write(`✓ ${r.cluster}: ingressPublicUrl ${r.ingress.url} answers (HTTP ${r.ingress.status})\n`);
      }
    }
    if (bad > 0) process.exitCode = 1;
  },
});
