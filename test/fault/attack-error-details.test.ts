/**
 * Attack (issue 11, finding 8): a hub user reads infrastructure details from error pages. Starts
 * that fail on an exec credential plugin (whose stderr names a cloud account and key) and on an
 * unreachable API server (internal URL) must answer with a generic sentence and a reference;
 * the details are in the daemon's log under that reference. Product binary, no bed needed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RpcCallError } from "../../src/rpc/client.ts";
import { startServe, type ServeProcess } from "../integration/serve-fixture.ts";
import { mcksBin } from "./mcks-cli.ts";

process.env.MCKS_BIN ??= mcksBin();
const work = mkdtempSync(join(tmpdir(), "mcks-attack-details-"));
const ACCOUNT = "arn:aws:iam::123456789012:user/mcks-deployer";
const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const INTERNAL = "https://10.20.30.40.internal.example:6443";
let serve: ServeProcess;

before(async () => {
  const plugin = join(work, "aws-token.sh");
  writeFileSync(plugin, `#!/bin/sh\necho "AccessDenied: ${ACCOUNT} with key ${KEY_ID} is not authorized to perform eks:GetToken" >&2\nexit 1\n`, { mode: 0o755 });
  const kubeconfig = join(work, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - { name: exec, cluster: { server: "https://127.0.0.1:9" } }
  - { name: gone, cluster: { server: "https://127.0.0.1:9", tls-server-name: "${new URL(INTERNAL).hostname}" } }
users:
  - { name: exec, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(plugin)} } } }
  - { name: tok, user: { token: not-a-secret } }
contexts:
  - { name: exec, context: { cluster: exec, user: exec } }
  - { name: gone, context: { cluster: gone, user: tok } }
`,
    { mode: 0o600 },
  );
  const config = join(work, "config.ts");
  writeFileSync(
    config,
    `export default {
  clusters: {
    exec: { context: "exec", kubeconfig: ${JSON.stringify(kubeconfig)}, ingressPublicUrl: "https://exec.example.org" },
    gone: { context: "gone", kubeconfig: ${JSON.stringify(kubeconfig)}, ingressPublicUrl: "https://gone.example.org" },
  },
  profiles: [
    { slug: "exec", displayName: "Exec", cluster: "exec", default: true },
    { slug: "gone", displayName: "Gone", cluster: "gone" },
  ],
  startTimeout: 30,
};
`,
  );
  serve = await startServe(config);
});
after(async () => {
  await serve?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function startError(profile: string): Promise<RpcCallError> {
  const c = await serve.client();
  try {
    await c.call("server.start", { user: { name: "mallory" }, server: "", profile, options: {}, env: {} }, { timeoutMs: 60_000 });
  } catch (err) {
    assert.ok(err instanceof RpcCallError, String(err));
    return err;
  } finally {
    await c.close();
  }
  assert.fail(`a start on profile ${profile} succeeded`);
}

describe("attack: reading infrastructure details from error messages", () => {
  it("an exec plugin's stderr (account, key id) stays in the daemon's log", async () => {
    const err = await startError("exec");
    assert.equal(err.code, -32000);
    // The failing plugin also stops the cluster's watch, so the start may stop at "unreachable"
    // first: during the apply, or before it, when the watch already knows (spawn/cluster-choice.ts).
    assert.match(err.message, /^(mcks could not get credentials for the cluster|cluster "exec" cannot be reached right now|cluster "exec" is unreachable since \S+ \([a-z ]+\)); .* \(reference mcks-[0-9a-f]{8}\)$/);
    const shown = `${err.message} ${JSON.stringify(err.data)}`;
    for (const secret of ["123456789012", KEY_ID, "aws-token.sh", "127.0.0.1"]) assert.ok(!shown.includes(secret), `the hub sees ${secret}: ${shown}`);
    const ref = /reference (mcks-[0-9a-f]{8})/.exec(err.message)![1]!;
    // The operator finds the reference in the log, and the plugin's output there (with the failure, or where the cluster was found unreachable).
    const log = await serve.logged((l) => l.split("\n").some((x) => x.includes(ref)) && l.includes(KEY_ID));
    assert.ok(log.split("\n").some((l) => l.includes(ref)), `the daemon log has no line with ${ref}:\n${log.slice(-3000)}`);
    assert.ok(log.includes(KEY_ID), "the daemon log lacks the plugin's output");
  });

  it("an unreachable API server's address stays in the daemon's log", async () => {
    const err = await startError("gone");
    // Found unreachable during the apply, or already by the watch before it (spawn/cluster-choice.ts).
    assert.match(err.message, /^cluster "gone" (cannot be reached right now|is unreachable since \S+ \([a-z ]+\)); .* \(reference mcks-[0-9a-f]{8}\)$/);
    assert.doesNotMatch(err.message, /127\.0\.0\.1|ECONNREFUSED|internal\.example/);
    const ref = /reference (mcks-[0-9a-f]{8})/.exec(err.message)![1]!;
    const log = await serve.logged((l) => l.split("\n").some((x) => x.includes(ref)) && l.includes("127.0.0.1:9"));
    assert.ok(log.split("\n").some((l) => l.includes(ref)), "the daemon log has the reference");
    assert.ok(log.includes("127.0.0.1:9"), "the daemon log has the address");
  });
});
