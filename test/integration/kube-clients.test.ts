/**
 * Clients from kubeconfig against the real bed: bearer token, client certificate (minted
 * here, signed by the bed's CA), an exec credential plugin (one run for a burst of
 * requests, re-run after a 401), the `auth` override, an unknown context and an
 * unreachable cluster.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { ensureTokens } from "../testbed/certs.ts";
import { ensureBed, type Bed, type BedCluster } from "../testbed/bed.ts";
import { pkiDir } from "../testbed/layout.ts";
import type { Kube } from "../../src/kube/index.ts";

let bed: Bed;
let c2: BedCluster;
let dir: string;
let kubeMod: typeof import("../../src/kube/index.ts");
const opened: Kube[] = [];

before(async () => {
  bed = await ensureBed({ clusters: 3 });
  c2 = bed.clusters.find((c) => c.name === "testbed-2")!;
  kubeMod = await import("../../src/kube/index.ts");
  dir = mkdtempSync(join(tmpdir(), "mcks-kube-clients-"));
});

after(async () => {
  await Promise.all(opened.map((k) => k.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig with one context `t` on testbed-2 and the given user entry (YAML lines). */
function kubeconfigWith(user: string, server = c2.apiserverUrl): string {
  const ca = readFileSync(join(pkiDir, "ca.crt")).toString("base64");
  const file = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "${server}", certificate-authority-data: ${ca} }
users:
  - name: u
    user:
${user}
contexts:
  - name: t
    context: { cluster: c, user: u }
`,
  );
  return file;
}

async function open(kubeconfig: string, extra: Partial<import("../../src/kube/index.ts").KubeOptions> = {}): Promise<Kube> {
  const kube = await kubeMod.createKube({ clusters: [{ name: "c", context: "t", kubeconfig, namespace: "default" }], probeIntervalMs: 0, ...extra });
  opened.push(kube);
  return kube;
}

const listPods = (kube: Kube) => kube.cluster("c").client.http.json<{ items: unknown[] }>({ method: "GET", path: "/api/v1/namespaces/default/pods" });

describe("kubeconfig credentials on the real API server", () => {
  test("bearer token", async () => {
    const kube = await open(kubeconfigWith(`      token: ${ensureTokens(c2.index).restricted}`));
    assert.ok(Array.isArray((await listPods(kube)).items));
    await kube.cluster("c").watch.whenSynced();
    assert.equal(kube.health().c?.reachable, true);
  });

  test("client certificate signed by the cluster's CA", async () => {
    const key = join(dir, "client.key");
    const csr = join(dir, "client.csr");
    const crt = join(dir, "client.crt");
    const run = (args: string[]) => {
      const r = spawnSync("openssl", args, { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    };
    run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=mcks-restricted"]);
    run(["x509", "-req", "-in", csr, "-CA", join(pkiDir, "ca.crt"), "-CAkey", join(pkiDir, "ca.key"), "-CAcreateserial", "-CAserial", join(dir, "ca.srl"), "-out", crt, "-days", "1"]);
    const kube = await open(kubeconfigWith(`      client-certificate: ${crt}\n      client-key: ${key}`));
    assert.ok(Array.isArray((await listPods(kube)).items));
    // Only the minimal RBAC: the namespace-wide list of secrets in kube-system is refused.
    await assert.rejects(
      kube.cluster("c").client.http.json({ method: "GET", path: "/api/v1/namespaces/kube-system/secrets" }),
      (e: unknown) => e instanceof kubeMod.KubeApiError && e.status.code === 403 && /mcks-restricted/.test(e.message),
    );
  });

  test("exec plugin: one run for a burst of requests, cached until expiry", async () => {
    const count = join(dir, "exec.count");
    const script = join(dir, "get-token.sh");
    const expires = new Date(Date.now() + 3600_000).toISOString();
    writeFileSync(
      script,
      `#!/bin/sh
echo run >> ${count}
sleep 0.3
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"${expires}"}}' "$(cat ${join(dir, "exec.token")})"
`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(dir, "exec.token"), ensureTokens(c2.index).restricted);
    const kube = await open(kubeconfigWith(`      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: ${script}\n        interactiveMode: Never`));
    await Promise.all(Array.from({ length: 30 }, () => listPods(kube)));
    await kube.cluster("c").watch.whenSynced();
    const runs = () => readFileSync(count, "utf8").split("\n").filter(Boolean).length;
    assert.equal(runs(), 1, "30 requests and a watch, one plugin run");
    assert.equal(kube.cluster("c").client.credentials.execRuns, 1);
  });

  test("exec plugin: a rejected token (401) runs the plugin again once and the request succeeds", async () => {
    const count = join(dir, "exec401.count");
    const script = join(dir, "rotating.sh");
    const good = ensureTokens(c2.index).restricted;
    // First run: a stale token; later runs: the valid one.
    writeFileSync(
      script,
      `#!/bin/sh
echo run >> ${count}
if [ "$(wc -l < ${count})" -eq 1 ]; then t=stale-token; else t=${good}; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$t"
`,
    );
    chmodSync(script, 0o755);
    const kube = await open(kubeconfigWith(`      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: ${script}`), { probeIntervalMs: 0 });
    assert.ok(Array.isArray((await listPods(kube)).items));
    assert.equal(readFileSync(count, "utf8").split("\n").filter(Boolean).length, 2);
  });

  test("the auth override supplies the token; without it the server's 401 is a clear error", async () => {
    const token = ensureTokens(c2.index).restricted;
    let asked = 0;
    const kube = await open(kubeconfigWith(`      token: not-valid`), {
      credentialsOverride: (c) => {
        asked++;
        assert.deepEqual(c, { name: "c", context: "t" });
        return { token, expiresAt: new Date(Date.now() + 600_000) };
      },
    });
    await Promise.all(Array.from({ length: 10 }, () => listPods(kube)));
    assert.equal(asked, 1, "the override is cached until shortly before expiresAt");

    const plain = await open(kubeconfigWith(`      token: not-valid`));
    await assert.rejects(listPods(plain), (e: unknown) => e instanceof kubeMod.KubeApiError && e.status.code === 401 && /cluster "c": Unauthorized/.test(e.message));
  });
});

describe("configuration mistakes and unreachable clusters", () => {
  test("an unknown context is one UserError listing the known contexts", async () => {
    await assert.rejects(
      kubeMod.createKube({ clusters: [{ name: "eu", context: "no-such-context" }], env: { KUBECONFIG: bed.kubeconfig } }),
      (e: unknown) => e instanceof UserError && /clusters\.eu\.context: kubeconfig context "no-such-context" not found/.test(e.message) && /known contexts: .*testbed-1-restricted/.test(e.message),
    );
  });

  test("an unreachable cluster is reported, not fatal: health, apply and recovery say so", async () => {
    const kube = await open(kubeconfigWith(`      token: x`, "https://127.0.0.1:1"), { probeIntervalMs: 0 });
    const c = kube.cluster("c");
    await assert.rejects(
      kubeMod.applyObjects(c.client, [{ apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: "default" } }]),
      (e: unknown) => e instanceof kubeMod.ClusterUnreachableError && /cluster "c" \(https:\/\/127\.0\.0\.1:1\) is unreachable: .*ECONNREFUSED/.test(e.message),
    );
    const state = await kubeMod.recoverState(kube.clusters(), { syncTimeoutMs: 1000 });
    assert.equal(state.unreachable.length, 1);
    assert.match(state.unreachable[0]!.error, /ECONNREFUSED/);
    const h = kube.health().c!;
    assert.equal(h.reachable, false);
    assert.match(h.error ?? "", /ECONNREFUSED/);
  });

  test("unknown cluster names list the configured ones", async () => {
    const kube = await open(kubeconfigWith(`      token: x`));
    assert.throws(() => kube.cluster("mars"), /unknown cluster "mars"; configured clusters: c/);
  });
});
