/**
 * Attack (issue 11, finding 10): the kubeconfig as a way in. Another local user who can write the
 * kubeconfig (group/world-writable, or in a folder they own) plants an `exec` command; a plain
 * http server receives the bearer token in clear text; insecure-skip-tls-verify hides a
 * man in the middle. The product binary (`mcks serve`, `mcks doctor`) must refuse the first
 * two with one clear sentence, never run the command nor send the token, and warn loudly on
 * the third.
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { mcks, mcksAsync } from "./mcks-cli.ts";

const work = mkdtempSync(join(tmpdir(), "mcks-attack-kubeconfig-"));
after(() => rmSync(work, { recursive: true, force: true }));

function kubeconfig(dir: string, server: string, user: string, extraCluster = ""): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "kubeconfig");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}"${extraCluster} } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ctx
`,
    { mode: 0o600 },
  );
  return file;
}

function config(dir: string, kubeconfigFile: string): string {
  const file = join(dir, "config.ts");
  writeFileSync(
    file,
    `export default {
  clusters: { c: { context: "ctx", kubeconfig: ${JSON.stringify(kubeconfigFile)}, ingressPublicUrl: "https://c.example.org" } },
  profiles: [{ slug: "p", displayName: "P", cluster: "c" }],
};
`,
  );
  return file;
}

/** An exec plugin that leaves a marker if it ever runs. */
function execUser(marker: string): string {
  const script = join(work, `plugin-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(script, `#!/bin/sh\ntouch ${marker}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"stolen"}}'\n`, { mode: 0o755 });
  return `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(script)} } }`;
}

function serve(configFile: string) {
  return mcks(["serve", "-c", configFile, "--socket", join(work, `s-${Math.random().toString(36).slice(2, 8)}.sock`)]);
}

const serveAsync = (configFile: string) => mcksAsync(["serve", "-c", configFile, "--socket", join(work, `s-${Math.random().toString(36).slice(2, 8)}.sock`)]);

describe("attack: the kubeconfig as a way in", () => {
  it("a group/world-writable kubeconfig is refused by serve and doctor; its exec command never runs", () => {
    for (const m of [0o620, 0o606]) {
      const dir = join(work, `writable-${m.toString(8)}`);
      const marker = join(dir, "exec-ran");
      const kc = kubeconfig(dir, "https://127.0.0.1:9", execUser(marker));
      chmodSync(kc, m);
      const cfg = config(dir, kc);
      for (const r of [serve(cfg), mcks(["doctor", "-c", cfg])]) {
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, new RegExp(`refusing kubeconfig ${kc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*writable by group or others \\(mode ${m.toString(8)}\\).*chmod go-w`));
        assert.doesNotMatch(r.stderr, /^\s+at /m, "a stack trace");
      }
      assert.equal(existsSync(marker), false, "the planted exec command ran");
    }
  });

  it("a kubeconfig in a folder another user owns is refused (they could replace it)", () => {
    assert.ok(process.getuid?.() === 0, "this attack needs a second user: run the fault tests as root (CI does)");
    const dir = join(work, "other-owner");
    const marker = join(dir, "exec-ran");
    const kc = kubeconfig(dir, "https://127.0.0.1:9", execUser(marker));
    chownSync(dir, 65534, 65534);
    const r = serve(config(work, kc));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /refusing kubeconfig .*owned by uid 65534, neither the current user nor root/);
    assert.equal(existsSync(marker), false, "the planted exec command ran");
  });

  it("an http:// API server gets no request (no token in clear text) unless --allow-insecure-http", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" }).end('{"gitVersion":"v1.36.0"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = join(work, "http");
      const cfg = config(dir, kubeconfig(dir, `http://127.0.0.1:${port}`, "{ token: very-secret-token }"));
      for (const r of [await serveAsync(cfg), await mcksAsync(["doctor", "-c", cfg])]) {
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /plain http would carry its credentials unencrypted; use https, or pass --allow-insecure-http/);
        assert.doesNotMatch(r.stdout + r.stderr, /very-secret-token/);
      }
      assert.equal(seen.length, 0, "a request reached the http server");
      // The explicit opt-in (a loopback test server) works.
      const ok = await mcksAsync(["doctor", "-c", cfg, "--allow-insecure-http"]);
      assert.match(ok.stdout, /Kubernetes v1\.36\.0/, ok.stdout + ok.stderr);
    } finally {
      server.close();
    }
  });

  it("insecure-skip-tls-verify is warned about loudly, naming the cluster and what it risks", () => {
    const dir = join(work, "skip-verify");
    const cfg = config(dir, kubeconfig(dir, "https://127.0.0.1:9", "{ token: t }", ", insecure-skip-tls-verify: true"));
    const r = mcks(["doctor", "-c", cfg]);
    assert.match(r.stderr, /INSECURE: kubeconfig cluster "c" \(context ctx, https:\/\/127\.0\.0\.1:9\) sets insecure-skip-tls-verify: .*certificate-authority-data/);
  });
});
