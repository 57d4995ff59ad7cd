/**
 * kubeconfig resolution (kubectl's merge rules), exec credential plugins (a real process,
 * cached until expiry, one run for concurrent requests) and the `auth` override.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { CredentialProvider } from "../../src/kube/credentials.ts";
import { ExecCredential, parseExecOutput } from "../../src/kube/exec-credential.ts";
import { defaultKubeconfigFiles, KubeconfigSet } from "../../src/kube/kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "mcks-kube-cred-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(file: string, body: string): string {
  const p = join(dir, file);
  writeFileSync(p, body);
  return p;
}

const first = kubeconfig(
  "a.yaml",
  `apiVersion: v1
kind: Config
clusters:
  - name: eu
    cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true }
users:
  - name: alice
    user: { token: from-a }
contexts:
  - name: eu
    context: { cluster: eu, user: alice }
`,
);
const second = kubeconfig(
  "b.yaml",
  `apiVersion: v1
kind: Config
clusters:
  - name: eu
    cluster: { server: "https://10.0.0.1:6443" }
  - name: us
    cluster: { server: "https://127.0.0.2:6443", insecure-skip-tls-verify: true }
users:
  - name: alice
    user: { token: from-b }
  - name: bob
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ./plugin.sh
        interactiveMode: Never
contexts:
  - name: eu
    context: { cluster: us, user: bob }
  - name: us
    context: { cluster: us, user: bob }
`,
);

/** A credential plugin that counts its runs in a file and expires after `ttl` seconds. */
function plugin(name: string, ttlSeconds: number | undefined, extra = ""): string {
  const count = join(dir, `${name}.count`);
  writeFileSync(count, "");
  const script = join(dir, name);
  const exp = ttlSeconds === undefined ? "" : `,"expirationTimestamp":"${new Date(Date.now() + ttlSeconds * 1000).toISOString()}"`;
  writeFileSync(
    script,
    `#!/bin/sh
${extra}
echo run >> ${count}
sleep 0.2
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-'$(wc -l < ${count})'"${exp}}}'
`,
  );
  chmodSync(script, 0o755);
  return script;
}
const runs = (name: string) => readFileSync(join(dir, `${name}.count`), "utf8").split("\n").filter(Boolean).length;
const cluster = { server: "https://127.0.0.1:6443" };

describe("kubeconfig", () => {
  test("KUBECONFIG lists several files; the first definition of each name wins", () => {
    assert.deepEqual(defaultKubeconfigFiles({ KUBECONFIG: `${first}:${second}` }), [first, second]);
    const set = new KubeconfigSet([first, second]);
    const eu = set.resolve("eu");
    assert.equal(eu.cluster.server, "https://127.0.0.1:6443");
    assert.equal(eu.user.token, "from-a");
    const us = set.resolve("us");
    assert.equal(us.user.name, "bob");
    assert.equal(us.userFile, second);
  });

  test("an unknown context is one UserError listing the known ones", () => {
    const set = new KubeconfigSet([first, second]);
    assert.throws(
      () => set.resolve("asia", "clusters.asia.context"),
      (e: unknown) => e instanceof UserError && /clusters\.asia\.context: kubeconfig context "asia" not found .*known contexts: eu, us/.test(e.message),
    );
  });

  test("no kubeconfig at all is a UserError naming where it looked", () => {
    assert.throws(() => new KubeconfigSet([join(dir, "missing")]), (e: unknown) => e instanceof UserError && /no kubeconfig found/.test(e.message));
  });
});

describe("exec credential plugin", () => {
  test("concurrent requests share one run; the token is cached until shortly before expiry", async () => {
    const script = plugin("long.sh", 3600);
    const exec = new ExecCredential({ command: script }, dir, cluster);
    const got = await Promise.all(Array.from({ length: 20 }, () => exec.get()));
    assert.ok(got.every((g) => g.token === "tok-1"));
    assert.equal((await exec.get()).token, "tok-1");
    assert.equal(runs("long.sh"), 1);
    assert.equal(exec.runs, 1);
    // An hour later (minus the margin) it runs again.
    assert.equal((await exec.get(Date.now() + 3600_000)).token, "tok-2");
    assert.equal(runs("long.sh"), 2);
  });

  test("without expirationTimestamp the token is kept until invalidated (a 401)", async () => {
    const script = plugin("forever.sh", undefined);
    const exec = new ExecCredential({ command: script }, dir, cluster);
    await exec.get();
    await exec.get(Date.now() + 86_400_000);
    assert.equal(runs("forever.sh"), 1);
    exec.invalidate();
    assert.equal((await exec.get()).token, "tok-2");
  });

  test("a relative command resolves against the kubeconfig's folder; env and exec info are passed", async () => {
    plugin("plugin.sh", 3600, `[ "$MCKS_X" = "y" ] || { echo "env missing" >&2; exit 3; }\necho "$KUBERNETES_EXEC_INFO" | grep -q '"interactive":false' || exit 4`);
    const set = new KubeconfigSet([second]);
    const entry = set.resolve("us");
    const exec = new ExecCredential({ ...(entry.user.exec as { command: string }), env: [{ name: "MCKS_X", value: "y" }] }, dir, cluster);
    assert.equal((await exec.get()).token, "tok-1");
  });

  test("a failing plugin is one clear error with its stderr", async () => {
    const script = join(dir, "fail.sh");
    writeFileSync(script, "#!/bin/sh\necho 'please run gcloud auth login' >&2\nexit 1\n");
    chmodSync(script, 0o755);
    const exec = new ExecCredential({ command: script }, dir, cluster);
    await assert.rejects(exec.get(), (e: unknown) => e instanceof UserError && /exited with 1: please run gcloud auth login/.test(e.message));
    const missing = new ExecCredential({ command: "no-such-plugin-mcks", installHint: "install it with apt" }, dir, cluster);
    await assert.rejects(missing.get(), (e: unknown) => e instanceof UserError && /could not run: .*ENOENT.*\(install it with apt\)/.test(e.message));
  });

  test("ExecCredential output is validated", () => {
    assert.deepEqual(parseExecOutput('{"status":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00Z"}}', "p"), {
      token: "t",
      clientCertificateData: undefined,
      clientKeyData: undefined,
      expiresAt: Date.parse("2030-01-01T00:00:00Z"),
    });
    assert.throws(() => parseExecOutput("nope", "p"), /not JSON/);
    assert.throws(() => parseExecOutput('{"status":{}}', "p"), /neither a token nor a client certificate/);
    assert.throws(() => parseExecOutput('{"status":{"token":"t","expirationTimestamp":"soon"}}', "p"), /bad expirationTimestamp/);
  });
});

describe("auth override", () => {
  const entry = () => new KubeconfigSet([first]).resolve("eu");

  test("a token from the hook replaces the kubeconfig's; null falls back to it", async () => {
    let calls = 0;
    let answer: { token: string; expiresAt?: Date } | null = { token: "hooked", expiresAt: new Date(Date.now() + 3600_000) };
    const p = new CredentialProvider(entry(), "eu", (c) => {
      calls++;
      assert.deepEqual(c, { name: "eu", context: "eu" });
      return answer;
    });
    assert.equal((await p.get()).headers.Authorization, "Bearer hooked");
    await Promise.all([p.get(), p.get(), p.get()]);
    assert.equal(calls, 1, "cached until shortly before expiresAt");
    answer = null;
    p.invalidate(p.generation);
    assert.equal((await p.get()).headers.Authorization, "Bearer from-a");
    assert.equal(calls, 2);
  });

  test("a 401 for credentials already replaced does not drop the new ones", async () => {
    let calls = 0;
    const p = new CredentialProvider(entry(), "eu", () => ({ token: `t${++calls}`, expiresAt: new Date(Date.now() + 3600_000) }));
    const stale = p.generation;
    await p.get(); // t1
    // Two requests sent with t1 both come back 401: the first invalidates, the second is late.
    assert.equal(p.invalidate(stale), true, "the first 401 drops t1");
    assert.equal((await p.get()).headers.Authorization, "Bearer t2");
    assert.equal(p.invalidate(stale), false, "the late 401 changes nothing");
    assert.equal((await p.get()).headers.Authorization, "Bearer t2", "the late 401 left t2 cached");
    assert.equal(calls, 2);
  });

  test("a client certificate from the hook is used for TLS", async () => {
    const p = new CredentialProvider(entry(), "eu", async () => ({ clientCertificate: "CERT", clientKey: "KEY" }));
    const c = await p.get();
    assert.equal(c.cert, "CERT");
    assert.equal(c.key, "KEY");
  });
});
