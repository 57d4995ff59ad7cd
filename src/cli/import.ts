/**
 * `mcks import --from z2jh values.yaml [-o config.ts]`: a zero-to-jupyterhub values file's user
 * server settings and profile list as a typed config.ts for one cluster (src/import/). Every
 * key it could not carry over is listed on stderr and atop the file, with the reason.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { command, oneOf, option, optional, positional, string } from "cmd-ts";
import { UserError } from "../errors.ts";
import { configSource, importZ2jh } from "../import/z2jh.ts";
import { parseKubectlYaml } from "../patch/kubectl-yaml.ts";

export const importCommand = command({
  name: "import",
  description: "Convert a zero-to-jupyterhub values file (singleuser, profileList) into a config.ts for one cluster",
  args: {
    from: option({ long: "from", type: oneOf(["z2jh"]), description: "the format of the file: z2jh (a zero-to-jupyterhub values.yaml)" }),
    file: positional({ type: string, displayName: "values.yaml" }),
    out: option({ long: "out", short: "o", type: optional(string), description: "write config.ts here (default: stdout)" }),
    cluster: option({ long: "cluster", type: string, defaultValue: () => "default", description: "name of the cluster in the config" }),
    context: option({ long: "context", type: optional(string), description: "its kubeconfig context (default: the cluster name)" }),
    ingress: option({
      long: "ingress-public-url",
      type: string,
      defaultValue: () => "https://hub.example.org",
      description: "public URL of its ingress controller",
    }),
    chartVersion: option({ long: "chart-version", type: string, defaultValue: () => "4.2.0", description: "the chart version whose default image tags apply" }),
  },
  handler(a) {
    let text: string;
    try {
      text = readFileSync(a.file, "utf8");
    } catch (err) {
      throw new UserError(`cannot read ${a.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // helm reads values files as YAML 1.1, as kubectl does.
    const values = text.trim() === "" ? {} : parseKubectlYaml(text, a.file);
    const result = importZ2jh(values, { cluster: a.cluster, context: a.context ?? a.cluster, ingressPublicUrl: a.ingress, chartVersion: a.chartVersion });
    const source = configSource(result, a.file, a.chartVersion);
    if (a.out) writeFileSync(a.out, source);
    else process.stdout.write(source);
    for (const u of result.unmapped) process.stderr.write(`mcks import: not carried over: ${u.path}: ${u.reason}\n`);
    process.stderr.write(`mcks import: ${result.unmapped.length} key(s) not carried over${a.out ? `; wrote ${a.out}` : ""}\n`);
  },
});
