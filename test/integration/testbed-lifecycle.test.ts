/**
 * `npm run testbed -- up|status|down` on a separate one-cluster bed (own state folder, ports
 * shifted by MCKS_TESTBED_PORT_OFFSET) so the shared bed other tests use is never touched:
 * a port taken by a stranger fails loudly, `up` is idempotent and restarts only what died,
 * `status` tells healthy from not, `down` stops exactly what `up` started.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { repoRoot } from "../testbed/layout.ts";
import type { PidsFile } from "../testbed/state.ts";

const dir = mkdtempSync(join(tmpdir(), "mcks-bed-lifecycle-"));
const offset = 200;
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

describe("test bed lifecycle (separate bed, ports +200)", () => {
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

  test("up starts etcd, one API server and its agent; a second up keeps them", () => {
    const first = cli("up", "--clusters", "1");
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /started: etcd, apiserver-1, controllers, agent-1/);
    assert.ok(existsSync(join(dir, "kubeconfig")) && existsSync(join(dir, "clusters.json")));

    const second = cli("up", "--clusters", "1");
    assert.equal(second.status, 0, second.out);
    assert.doesNotMatch(second.out, /started:/);
    assert.match(second.out, /already running: etcd, apiserver-1, controllers, agent-1/);

    const s = cli("status");
    assert.equal(s.status, 0, s.out);
    assert.match(s.out, /apiserver-1 .*readyz 200 ok/);
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
    assert.match(r.out, /already running: etcd, controllers, agent-1/);
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
