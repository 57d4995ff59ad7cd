/**
 * Attack (issue 11, finding 4): credentials in the hub's env under names that do not say
 * "token" (`MY_API_KEY`, `GITHUB_PAT`, `DB_PASSWD`), read from the Pod spec by anyone who may
 * read Pods. A real start (product binary, on the bed): every hub value but the harmless
 * JUPYTERHUB_* contract names is in the Secret, referenced by the Pod; no value is in the Pod
 * spec, the hub's state or the daemon's log. An operator `environment` value marked secret
 * goes to the Secret too; plain ones stay in the spec.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { writeAttackConfig } from "./attack-config.ts";
import { faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("env");
let fb: FaultBed;
let serve: ServeProcess;

const HIDDEN = {
  JUPYTERHUB_API_TOKEN: "tok-4b1e-hub",
  JPY_API_TOKEN: "tok-4b1e-hub",
  MY_API_KEY: "key-8c2f-personal",
  GITHUB_PAT: "ghp_9d3a-not-in-spec",
  DB_PASSWD: "pw-1e5b-not-in-spec",
  AWS_SECRET_ACCESS_KEY: "aws-6f7c-not-in-spec",
};
const PUBLIC = { JUPYTERHUB_USER: "someone", JUPYTERHUB_SERVICE_URL: "http://0.0.0.0:8888/user/someone/" };

before(async () => {
  fb = await faultBed("mcks-attack-env-");
  const config = writeAttackConfig(fb, {
    profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true, environment: { PLAIN_SETTING: "visible-7a", OPERATOR_KEY: { secret: "op-2c9d-hidden" } } }`,
  });
  serve = await startServe(config);
});
after(async () => {
  await serve?.stop();
});

function kubectlJson(context: string, args: string[]): unknown {
  const r = spawnSync("kubectl", ["--kubeconfig", fb.bed.kubeconfig, "--context", context, ...args, "-o", "json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("attack: credentials in the hub's env", () => {
  it("only harmless JUPYTERHUB_* names stand in the Pod spec; everything else is in the Secret", async () => {
    const user = `${prefix}u`;
    const c = await serve.client();
    const r = await c.call("server.start", { user: { name: user }, server: "", profile: "p", options: {}, env: { ...HIDDEN, ...PUBLIC } }, { timeoutMs: 120_000 });
    try {
      const cl = fb.clusters[0]!;
      const pod = kubectlJson(cl.context, ["get", "pod", "-n", r.state.namespace, r.state.key]) as { spec: { containers: { env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] } };
      const spec = JSON.stringify(pod.spec);
      for (const [name, value] of Object.entries(HIDDEN)) {
        assert.ok(!spec.includes(value), `${name}'s value is in the Pod spec`);
        const ref = pod.spec.containers[0]!.env?.find((e) => e.name === name);
        assert.deepEqual(ref?.valueFrom?.secretKeyRef, { name: r.state.key, key: name }, `${name} is not taken from the Secret`);
      }
      assert.ok(!spec.includes("op-2c9d-hidden"), "an operator value marked secret is in the Pod spec");
      assert.ok(spec.includes("visible-7a"), "a plain operator value left the spec");
      for (const [name, value] of Object.entries(PUBLIC)) {
        assert.equal(pod.spec.containers[0]!.env?.find((e) => e.name === name)?.value, value, `${name} should stand in the spec`);
      }
      const secret = kubectlJson(cl.context, ["get", "secret", "-n", r.state.namespace, r.state.key]) as { data: Record<string, string> };
      for (const [name, value] of Object.entries(HIDDEN)) assert.equal(Buffer.from(secret.data[name] ?? "", "base64").toString(), value);
      assert.equal(Buffer.from(secret.data.OPERATOR_KEY ?? "", "base64").toString(), "op-2c9d-hidden");
      const state = JSON.stringify(r.state);
      for (const value of [...Object.values(HIDDEN), "op-2c9d-hidden"]) {
        assert.ok(!state.includes(value), "a secret in the hub's state");
        assert.ok(!serve.log().includes(value), "a secret in the daemon's log");
      }
    } finally {
      await c.call("server.stop", { user: { name: user }, server: "", state: r.state, now: true }, { timeoutMs: 120_000 });
      await c.close();
    }
  });
});
