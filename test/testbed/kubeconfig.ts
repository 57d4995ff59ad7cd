/**
 * Writes `.testbed/kubeconfig`: per cluster an admin context `testbed-N` and a context
 * `testbed-N-restricted` for the user that only has test/testbed/rbac-minimal.yaml.
 * The CA is embedded so the file works from any directory.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import type { Tokens } from "./certs.ts";
import { clusterName, restrictedContext } from "./layout.ts";

export interface KubeconfigCluster {
  readonly index: number;
  readonly server: string;
  readonly tokens: Tokens;
}

export function writeKubeconfig(path: string, caCertPath: string, clusters: readonly KubeconfigCluster[]): void {
  const caData = Buffer.from(readFileSync(caCertPath)).toString("base64");
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    "current-context": clusters[0] ? clusterName(clusters[0].index) : "",
    clusters: clusters.map((c) => ({
      name: clusterName(c.index),
      cluster: { server: c.server, "certificate-authority-data": caData },
    })),
    users: clusters.flatMap((c) => [
      { name: `${clusterName(c.index)}-admin`, user: { token: c.tokens.admin } },
      { name: `${clusterName(c.index)}-restricted`, user: { token: c.tokens.restricted } },
    ]),
    contexts: clusters.flatMap((c) => [
      { name: clusterName(c.index), context: { cluster: clusterName(c.index), user: `${clusterName(c.index)}-admin`, namespace: "default" } },
      { name: restrictedContext(c.index), context: { cluster: clusterName(c.index), user: `${clusterName(c.index)}-restricted`, namespace: "default" } },
    ]),
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}

/** A one-user kubeconfig for a control-plane component (kube-scheduler, kube-controller-manager). */
export function writeComponentKubeconfig(path: string, caCertPath: string, server: string, user: string, token: string): void {
  const caData = Buffer.from(readFileSync(caCertPath)).toString("base64");
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": user,
    clusters: [{ name: "bed", cluster: { server, "certificate-authority-data": caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: "bed", user } }],
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}
