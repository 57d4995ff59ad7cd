/**
 * Configs for the attack tests: the fault bed's three clusters (restricted identity, namespace
 * `default` unless a test gives its own cluster settings) and the profiles a test needs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FaultBed, ServeProcess } from "./fault-fixture.ts";

export interface AttackConfig {
  /** `profiles: [...]` entries as config.ts text; `CLUSTER1`…`CLUSTER3` stand for the bed's cluster names. */
  readonly profiles: string;
  /** Extra cluster keys as text, e.g. `namespace: "jhub-{{username}}", createNamespace: true`, per cluster index 0–2. */
  readonly clusterExtra?: Readonly<Record<number, string>>;
  /** Use the bed's admin identity (per-user namespaces need cluster-wide rights) instead of the restricted one. */
  readonly admin?: boolean;
  /** Seconds; default 120. */
  readonly startTimeout?: number;
  /** More top-level keys as text. */
  readonly extra?: string;
  readonly file?: string;
}

export function writeAttackConfig(fb: FaultBed, c: AttackConfig): string {
  const clusters = fb.clusters
    .map((cl, i) => {
      const extra = c.clusterExtra?.[i] ?? `namespace: "default"`;
      return `"${cl.name}": { context: "${c.admin ? cl.context : cl.restrictedContext}", kubeconfig: ${JSON.stringify(fb.bed.kubeconfig)}, ingressPublicUrl: "${cl.ingressUrl}", ${extra} }`;
    })
    .join(",\n    ");
  let profiles = c.profiles;
  fb.clusters.forEach((cl, i) => (profiles = profiles.replaceAll(`CLUSTER${i + 1}`, cl.name)));
  const file = join(fb.dir, c.file ?? "attack-config.ts");
  writeFileSync(
    file,
    `export default {
  clusters: {
    ${clusters}
  },
  defaults: { image: "testbed/singleuser:latest", cpuLimit: 1, memLimit: "256M", memGuarantee: "64M" },
  profiles: [
    ${profiles}
  ],
  startTimeout: ${c.startTimeout ?? 120},
  pollGracePeriod: 30,
  ${c.extra ?? ""}
};
`,
  );
  return file;
}

/** One call on a connection of its own (as the hub makes them). */
export async function callDaemon<T>(serve: ServeProcess, method: string, params: Record<string, unknown>): Promise<T> {
  const c = await serve.client();
  try {
    return (await c.call(method as "server.poll", params as never, { timeoutMs: 120_000 })) as T;
  } finally {
    await c.close();
  }
}
