/**
 * `npm run testbed -- up|status|down` on a separate one-cluster bed (own state folder, ports
 * shifted 2500 past this run's MCKS_TESTBED_PORT_OFFSET, so parallel checkouts with offsets a
 * hundred apart never meet) so the shared bed other tests use is never touched:
 * a port taken by a stranger fails loudly, `up` is idempotent and restarts only what died,
 * `status` tells healthy from not, `down` stops exactly what `up` started.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { repoRoot } from "../testbed/layout.ts";
import type { PidsFile } from "../testbed/state.ts";

const dir = mkdtempSync(join(tmpdir(), "mcks-bed-lifecycle-"));
const offset = (Number(process.env.MCKS_TESTBED_PORT_OFFSET ?? 0) + 2500) % 5000;
const env = { ...process.env, MCKS_TESTBED_DIR: dir, MCKS_TESTBED_PORT_OFFSET: String(offset) };

function cli(...args: string[]): { status: number; out: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, "test/testbed/cli.ts"), ...args], { env, encoding: "utf8", timeout: 10 * 60_000 });
  return { status: r.status ?? 1, out: `${r.stdout}\n${r.stderr}` };
}
const pids = (): PidsFile => JSON.parse(readFileSync(join(dir, "pids.json"), "utf8")) as PidsFile;
/** Running, not a zombie waiting for init to reap it (its exit is what counts here). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

after(() => {
  cli("down"); // whatever a failed assertion left running
  rmSync(dir, { recursive: true, force: true });
});

describe(`test bed lifecycle (separate bed, port offset ${offset})`, () => {
  test("up refuses a port held by a process it did not start", async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(23790 + offset, "127.0.0.1", r));
    try {
      const r = cli("up", "--clusters", "1");
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, new RegExp(`port 127\\.0\\.0\\.1:${23790 + offset} .* is taken by a process the bed did not start`));
    } finally {
      squatter.close();
    }
  });

  test("up starts etcd, one API server, scheduler, controller-manager and agent; a second up keeps them", () => {
    const first = cli("up", "--clusters", "1");
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /started: etcd, apiserver-1, scheduler-1, controller-manager-1, agent-1\n/);
    assert.ok(existsSync(join(dir, "kubeconfig")) && existsSync(join(dir, "clusters.json")));
    const file = JSON.parse(readFileSync(join(dir, "clusters.json"), "utf8")) as { clusters: { pools: { name: string; nodes: number }[] }[] };
    assert.deepEqual(file.clusters[0]?.pools.map((p) => `${p.name}:${p.nodes}`), ["standard:2"]);

    const second = cli("up", "--clusters", "1");
    assert.equal(second.status, 0, second.out);
    assert.doesNotMatch(second.out, /started:/);
    assert.match(second.out, /already running: etcd, apiserver-1, scheduler-1, controller-manager-1, agent-1\n/);

    const s = cli("status");
    assert.equal(s.status, 0, s.out);
    assert.match(s.out, /apiserver-1 .*readyz 200 ok/);
    assert.match(s.out, /scheduler-1 .*healthz 200 ok/);
    assert.match(s.out, /controller-manager-1 .*healthz 200 ok/);
  });

  test("up --pools replaces a cluster's pools and restarts only its agent; bad pools are refused", () => {
    const pools = join(dir, "pools.json");
    writeFileSync(pools, JSON.stringify({ "testbed-1": [{ name: "standard", nodes: 1, min: 1, max: 3, cpu: 2, memory: "8Gi", gpu: 0 }] }));
    const r = cli("up", "--clusters", "1", "--pools", pools);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /started: agent-1\n/);
    assert.match(r.out, /pools: standard 1 \(1–3\)/);
    writeFileSync(pools, JSON.stringify({ "testbed-1": [{ name: "standard", nodes: 5, min: 1, max: 3, cpu: 2, memory: "8Gi", gpu: 0 }] }));
    const bad = cli("up", "--clusters", "1", "--pools", pools);
    assert.equal(bad.status, 1);
    assert.match(bad.out, /invalid node pools in .*pools\.json: testbed-1/);
    assert.match(bad.out, /needs min <= nodes <= max/);
  });

  test("status reports a dead API server and up restarts only that one", () => {
    const before = pids();
    process.kill(before["apiserver-1"]!.pid, "SIGKILL");
    spawnSync("sleep", ["0.5"]);
    const s = cli("status");
    assert.equal(s.status, 1, s.out);
    assert.match(s.out, /NOT healthy/);

    const r = cli("up", "--clusters", "1");
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /started: apiserver-1\n/);
    assert.match(r.out, /already running: etcd, scheduler-1, controller-manager-1, agent-1\n/);
    assert.equal(pids().etcd!.pid, before.etcd!.pid);
  });

  test("down stops exactly what up started", () => {
    const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const recorded = Object.values(pids()).map((p) => p.pid);
      const r = cli("down");
      assert.equal(r.status, 0, r.out);
      for (const pid of recorded) assert.equal(alive(pid), false, `pid ${pid} survived down`);
      assert.equal(alive(stranger.pid!), true, "down killed a process it did not start");
      assert.equal(existsSync(join(dir, "pids.json")), false);
      assert.equal(cli("status").status, 1);
    } finally {
      stranger.kill();
    }
  });
});
