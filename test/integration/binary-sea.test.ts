/**
 * dist/mcks is one file that runs from any folder, with no node_modules and an empty
 * environment, and prints nothing it was not asked to (no SEA or experimental warnings).
 * Builds the binary first when it is missing or older than its sources.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseAllDocuments } from "yaml";
import { BINARY, ROOT, binaryIsStale } from "../../build/paths.ts";

const CONFIG = `import { defineConfig } from "multicluster-kubespawner";
import { image } from "./image.ts";

export default defineConfig({
  clusters: { dead: { context: "dead", ingressPublicUrl: "https://hub.example.org" } },
  profiles: [{ slug: "small", displayName: "Small", cluster: "dead", default: true, image, memLimit: "1G" }],
});
`;

// A cluster nobody listens on: serve must still start (after its reachability wait) and say so.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: dead, cluster: { server: "https://127.0.0.1:9" } }]
users: [{ name: u, user: { token: not-a-secret } }]
contexts: [{ name: dead, context: { cluster: dead, user: u } }]
current-context: dead
`;

let dir = "";
let mcks = "";

/** Runs the copied binary in the temp folder with an empty environment (like `env -i`). */
function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(mcks, args, { cwd: dir, env: {}, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  if (binaryIsStale()) {
    const r = spawnSync(process.execPath, [join(ROOT, "build", "build.ts")], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), "mcks-bin-"));
  // A copy far from the repository proves nothing is read from its node_modules.
  mcks = join(dir, "mcks");
  copyFileSync(BINARY, mcks);
  // An operator's config: imports the DSL by its package name (mapped to the binary's own API)
  // and a sibling file relatively, as config.example.ts does.
  writeFileSync(join(dir, "config.ts"), CONFIG);
  writeFileSync(join(dir, "image.ts"), `export const image: string = "quay.io/jupyter/base-notebook:2025-01-01";\n`);
  writeFileSync(join(dir, "kubeconfig"), KUBECONFIG);
});


after(() => rmSync(dir, { recursive: true, force: true }));

describe("dist/mcks (Node SEA)", () => {
  test("--version prints the package version and the commit it was built from, nothing else", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = run("--version");
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    const commit = new RegExp(`^${version.replaceAll(".", "\\.")} \\(commit ([0-9a-f]{12})(-dirty)?\\)\n$`).exec(r.stdout)?.[1];
    assert.ok(commit, `unexpected --version output: ${JSON.stringify(r.stdout)}`);
    // A commit of this repository (the binary may predate HEAD when no source changed since).
    const known = spawnSync("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: ROOT });
    assert.equal(known.status, 0, `${commit} is not a commit of this repository`);
  });

  test("NODE_OPTIONS meant for another Node program does not affect the binary", () => {
    const r = spawnSync(mcks, ["--version"], { cwd: dir, env: { NODE_OPTIONS: "--require=/nonexistent/preload.js" }, encoding: "utf8" });
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
  });

  test("--help lists the commands on stdout, no warnings on stderr", () => {
    const r = run("--help");
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^mcks <subcommand>/);
    assert.match(r.stdout, /- types - /);
    assert.equal(r.status, 0);
  });

  test("an unknown command fails with a short message, no stack trace", () => {
    const r = run("no-such-command");
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /Not a valid subcommand name/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  test("types --out writes the embedded declarations and a package.json beside them", () => {
    const out = join(dir, "node_modules", "multicluster-kubespawner", "index.d.ts");
    const r = run("types", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /wrote .*index\.d\.ts/);
    assert.match(r.stderr, /"paths": \{ "multicluster-kubespawner"/);
    const dts = readFileSync(out, "utf8");
    // The text baked in at build time is the same the build wrote to dist/index.d.ts.
    assert.equal(dts, readFileSync(join(ROOT, "dist", "index.d.ts"), "utf8"));
    assert.match(dts, /export declare function defineConfig/);
    assert.ok(existsSync(join(dir, "node_modules", "multicluster-kubespawner", "package.json")));
  });

  test("types --out to an impossible path is one clear error", () => {
    const r = run("types", "--out", "/etc/hostname/mcks.d.ts");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mcks: cannot write the declarations to \/etc\/hostname\/mcks\.d\.ts: .*choose a writable --out path\n$/);
  });

  test("dry-run loads a config.ts importing \"multicluster-kubespawner\" and prints multi-document YAML", () => {
    const r = run("dry-run", "-c", "config.ts", "--user", "alice");
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    const docs = parseAllDocuments(r.stdout);
    for (const d of docs) assert.deepEqual(d.errors, []);
    const objects = docs.map((d) => d.toJS() as { kind: string; spec?: { containers?: Array<{ image: string }> } });
    assert.deepEqual(objects.map((o) => o.kind), ["ServiceAccount", "Secret", "Pod", "Service", "Ingress"]);
    assert.equal(objects[2]?.spec?.containers?.[0]?.image, "quay.io/jupyter/base-notebook:2025-01-01");
  });

  test("validate accepts the config and rejects an unknown cluster with its config path", () => {
    assert.equal(run("validate", "-c", "config.ts").status, 0);
    writeFileSync(join(dir, "bad.ts"), CONFIG.replace('cluster: "dead"', 'cluster: "nowhere"'));
    const r = run("validate", "-c", "bad.ts");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /profiles\[0\]\.cluster/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("serve loads the Kubernetes client inside the binary and answers health", { timeout: 90_000 }, async () => {
    const socket = join(dir, "mcks.sock");
    const child = spawn(mcks, ["serve", "-c", "config.ts", "--socket", socket], {
      cwd: dir,
      env: { KUBECONFIG: join(dir, "kubeconfig") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    try {
      // The daemon listens once its clusters answered or their 15 s reachability wait ran out.
      for (let i = 0; i < 120 && !existsSync(socket); i++) {
        assert.equal(child.exitCode, null, `serve exited early:\n${stderr}`);
        await sleep(500);
      }
      assert.ok(existsSync(socket), `no socket after 60 s:\n${stderr}`);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = connect(socket);
        let buf = "";
        c.on("data", (b) => {
          buf += b.toString();
          if (buf.includes("\n")) {
            c.end();
            resolve(buf.slice(0, buf.indexOf("\n")));
          }
        });
        c.on("error", reject);
        c.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" })}\n`);
      });
      const health = JSON.parse(reply) as { result: { version: string; clusters: Record<string, { reachable: boolean; error?: string }> } };
      assert.equal(health.result.clusters.dead?.reachable, false);
      assert.match(health.result.clusters.dead?.error ?? "", /127\.0\.0\.1:9|ECONNREFUSED|unreachable/);
      assert.doesNotMatch(stderr, /ExperimentalWarning|single executable|\n\s+at /i);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
});
