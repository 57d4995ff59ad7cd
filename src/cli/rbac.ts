import { command, option, optional, string } from "cmd-ts";
import { Document, isScalar, isSeq, visit } from "yaml";
import { loadConfig } from "../config/load.ts";
import { UserError } from "../errors.ts";
import { rbacManifests, type Subject } from "../rbac/manifest.ts";
import { clusterUses, configUses } from "../rbac/uses.ts";

function subjectOf(a: { user?: string | undefined; group?: string | undefined; serviceAccount?: string | undefined }): Subject {
  const given = [a.user, a.group, a.serviceAccount].filter((x) => x !== undefined);
  if (given.length > 1) throw new UserError("give one of --user, --group and --service-account");
  if (a.group !== undefined) return { kind: "Group", name: a.group };
  if (a.serviceAccount !== undefined) {
    const [namespace, name] = a.serviceAccount.split("/");
    if (!namespace || !name) throw new UserError(`--service-account ${a.serviceAccount}: expected NAMESPACE/NAME`);
    return { kind: "ServiceAccount", namespace, name };
  }
  return { kind: "User", name: a.user ?? "mcks" };
}

/** YAML as people write RBAC: lists of names on one line (`verbs: [get, list]`). */
export function toYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

export const rbacCommand = command({
  name: "rbac",
  description: "Print the least RBAC each cluster must grant mcks for this config (Role and RoleBinding, or ClusterRole for per-user namespaces), for kubectl apply -f -",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
    cluster: option({ long: "cluster", type: optional(string), description: "only this cluster of config.ts" }),
    user: option({ long: "user", type: optional(string), description: "the identity mcks uses, as a user name (default: mcks)" }),
    group: option({ long: "group", type: optional(string), description: "…or a group" }),
    serviceAccount: option({ long: "service-account", type: optional(string), description: "…or a ServiceAccount, NAMESPACE/NAME" }),
    name: option({ long: "name", type: string, defaultValue: () => "mcks", description: "name of the Role/ClusterRole and bindings" }),
  },
  async handler(a) {
    const { config } = await loadConfig(a.config);
    const subject = subjectOf(a);
    const clusters = [...config.clusters.values()].filter((c) => a.cluster === undefined || c.name === a.cluster);
    if (clusters.length === 0) throw new UserError(`--cluster ${a.cluster}: config.ts has no such cluster; its clusters: ${[...config.clusters.keys()].join(", ")}`);
    const { uses, guessed } = configUses(config);
    const docs: string[] = [];
    for (const c of clusters) {
      const perUser = c.namespace.includes("{{");
      const head = `# cluster "${c.name}" (context ${c.context}): ${perUser ? `per-user namespaces ${c.namespace}, granted cluster-wide (the shared watch and recovery read every namespace)` : `namespace ${c.namespace}`}`;
      const manifests = rbacManifests({ cluster: c.name, namespace: perUser ? undefined : c.namespace, subject, name: a.name }, clusterUses(uses, c));
      docs.push(`${head}\n${manifests.map(toYaml).join("---\n")}`);
    }
    if (guessed.length > 0) process.stderr.write(`mcks: the plural of ${guessed.join(", ")} is guessed; check it with kubectl api-resources\n`);
    process.stdout.write(docs.join("---\n"));
  },
});
