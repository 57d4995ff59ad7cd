/** `mcks doctor` against the bed: the restricted identity passes where it is granted, fails where not. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { ensureBed, tempDir, type Bed } from "./serve-fixture.ts";

const root = join(import.meta.dirname, "../..");
let bed: Bed;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
});

function doctor(clusters: string): { status: number | null; out: string } {
  const dir = tempDir("mcks-doctor-");
  const config = join(dir, "config.ts");
  writeFileSync(
    config,
    `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({ clusters: { ${clusters} }, profiles: [{ slug: "p", displayName: "P", cluster: Object.keys({ ${clusters} })[0] as string }] });\n`,
  );
  const cmd = process.env.MCKS_BIN ? [process.env.MCKS_BIN] : [process.execPath, join(root, "src/main.ts")];
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), "doctor", "-c", config], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

const cluster = (name: string, context: string, namespace: string, url = "http://127.0.0.1:9") =>
  `"${name}": { context: "${context}", kubeconfig: ${JSON.stringify(bed.kubeconfig)}, ingressPublicUrl: "${url}", namespace: "${namespace}" }`;

test("the minimal grant is enough in its namespace, and the bed's ingress answers", () => {
  const c = bed.clusters[1]!;
  const r = doctor(cluster("two", c.restrictedContext, "default", c.ingressUrl));
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /✓ two \(context testbed-2-restricted, Kubernetes v1\.\d+\.\d+\): reachable, all 27 permissions granted in namespace default/);
  assert.ok(r.out.includes(`✓ two: ingressPublicUrl ${c.ingressUrl} answers (HTTP `), r.out);
});

test("an ingressPublicUrl that does not answer from here fails the check, with how to fix it", () => {
  const c = bed.clusters[1]!;
  const r = doctor(cluster("two", c.restrictedContext, "default", "http://127.0.0.1:9"));
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /✓ two \(context .*\): reachable, all 27 permissions granted/);
  assert.match(r.out, /✗ two: ingressPublicUrl http:\/\/127\.0\.0\.1:9 does not answer from this machine: .*ECONNREFUSED/);
  assert.match(r.out, /check clusters\.two\.ingressPublicUrl/);
});

test("elsewhere every missing permission is named, and the exit code says so", () => {
  const c = bed.clusters[0]!;
  const r = doctor(cluster("one", c.restrictedContext, "kube-system"));
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /✗ one .*: 27 of 27 permissions missing in namespace kube-system: .*create pods, get pods/);
  assert.match(r.out, /delete networking\.k8s\.io\/ingresses/);
  // The missing rules, as YAML to apply: exactly mcks rbac's, no read of Secrets.
  assert.match(r.out, /kind: Role\n\s+metadata:\n\s+name: mcks-missing\n\s+namespace: kube-system/);
  assert.match(r.out, /resources: \[secrets\]\n\s+verbs: \[create, patch, delete, deletecollection\]/);
});

test("an unreachable cluster is reported with the connection error", () => {
  const dir = tempDir("mcks-doctor-kc-");
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:9", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: not-a-secret } }]
contexts: [{ name: gone, context: { cluster: gone, user: u } }]
current-context: gone
`,
  );
  const r = doctor(`"gone": { context: "gone", kubeconfig: ${JSON.stringify(kubeconfig)}, ingressPublicUrl: "http://127.0.0.1:9" }`);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /✗ gone \(context gone, https:\/\/127\.0\.0\.1:9\): unreachable: .*(ECONNREFUSED|refused)/);
});
