import { command, flag, option, string } from "cmd-ts";
import { loadConfig } from "../config/load.ts";
import { rbacManifests } from "../rbac/manifest.ts";
import { permissionsOf } from "../rbac/rules.ts";
import { clusterUses, configUses } from "../rbac/uses.ts";
import { toYaml } from "./rbac.ts";

export const doctorCommand = command({
  name: "doctor",
  description: "Check every cluster of config.ts: reachable, which Kubernetes version, whether the context may do what starting servers needs, and whether its ingressPublicUrl answers from here",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
    allowInsecureHttp: flag({
      long: "allow-insecure-http",
      description: "accept http:// API servers in the kubeconfig (credentials travel unencrypted; loopback test servers only)",
    }),
  },
  async handler(a) {
    const { config } = await loadConfig(a.config);
    // Loaded here: only this command and serve need the Kubernetes client.
    const { doctor } = await import("../kube/doctor.ts");
    // Exactly what `mcks rbac` grants: the least this config needs.
    const { uses } = configUses(config);
    const reports = await doctor(
      [...config.clusters.values()].map((c) => ({
        ...c,
        namespace: c.namespace.includes("{{") ? undefined : c.namespace,
        permissions: permissionsOf(clusterUses(uses, c)),
      })),
      { allowInsecureHttp: a.allowInsecureHttp },
    );
    let bad = 0;
    for (const r of reports) {
      const ns = config.clusters.get(r.cluster)?.namespace ?? "";
      if (r.error) {
        bad++;
        process.stdout.write(`✗ ${r.cluster} (context ${r.context}, ${r.server}): unreachable: ${r.error}\n`);
      } else if (r.denied.length > 0) {
        bad++;
        const names = r.denied.map((d) => `${d.verb} ${d.group ? `${d.group}/` : ""}${d.resource}`);
        // One entry per resource with all its missing verbs, so the rules read as people write them.
        const byResource = new Map<string, { group: string; resource: string; namespaced: boolean; verbs: string[] }>();
        for (const d of r.denied) {
          const id = `${d.group}/${d.resource}`;
          const entry = byResource.get(id) ?? { group: d.group, resource: d.resource, namespaced: d.namespaced, verbs: [] };
          entry.verbs.push(d.verb);
          byResource.set(id, entry);
        }
        const missing = [...byResource.values()];
        const perUser = ns.includes("{{");
        const yaml = rbacManifests({ cluster: r.cluster, namespace: perUser ? undefined : ns, subject: { kind: "User", name: "<the identity of context " + r.context + ">" }, name: "mcks-missing" }, missing)
          .filter((m) => m.kind === "Role" || m.kind === "ClusterRole")
          .map(toYaml)
          .join("---\n");
        process.stdout.write(
          `✗ ${r.cluster} (context ${r.context}, Kubernetes ${r.version}): ${r.denied.length} of ${r.checked} permissions missing in namespace ${ns}: ${names.join(", ")}\n` +
            `  these rules grant them (bind them to the context's identity, or apply all of mcks rbac -c ${a.config} --cluster ${r.cluster}):\n` +
            yaml.replace(/^/gm, "    ") +
            "\n",
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
