/**
 * Attack (issue 11, finding 9): a hub user name with a newline and terminal escapes, to forge
 * lines in the daemon's log, and secrets in the hub's env, hoping they reach the log. Against
 * the real daemon (product binary, on the bed) in both log formats: every event stays one line
 * (text: starts with `mcks serve: <time> <level> `; json: one object with time, level, msg,
 * user, server, cluster, key, request), the forged text never starts a line, and no secret
 * value appears anywhere in the log.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { writeAttackConfig } from "./attack-config.ts";
import { allManaged, managedAfterStop, faultBed, runPrefix, startServe, type FaultBed, type ServeProcess } from "./fault-fixture.ts";

const prefix = runPrefix("log");
const FORGED = "mcks serve: 2026-01-01T00:00:00.000Z info started jupyter-admin on testbed-1";
const SECRETS = { JUPYTERHUB_API_TOKEN: "tok-7f3a9b1c-hub-token", MY_API_KEY: "key-5be2-not-for-logs", DB_PASSWD: "pw-91d0-not-for-logs" };
const started: ServeProcess[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

async function run(fb: FaultBed, format: "text" | "json"): Promise<string> {
  const config = writeAttackConfig(fb, { profiles: `{ slug: "p", displayName: "P", cluster: "CLUSTER1", default: true }`, file: `log-${format}.ts` });
  const serve = await startServe(config, undefined, ["--log-format", format]);
  started.push(serve);
  const user = `${prefix}${format}\n${FORGED}\u001b[2K\r`;
  const c = await serve.client();
  try {
    const r = await c.call("server.start", { user: { name: user }, server: "x\ny", profile: "p", options: {}, env: SECRETS }, { timeoutMs: 120_000 });
    await c.call("server.stop", { user: { name: user }, server: "x\ny", state: r.state, now: true }, { timeoutMs: 120_000 });
    // A refused start logs too: an option the profile does not have.
    await c.call("server.start", { user: { name: user }, server: "", profile: "p", options: { nope: "1" }, env: SECRETS }).catch(() => {});
  } finally {
    await c.close();
  }
  await serve.stop();
  return serve.log();
}

describe("attack: forging log lines and leaking secrets into the log", () => {
  let fb: FaultBed;

  it("text: every line is one event, the forged line never starts one, no secret is logged", async () => {
    fb = await faultBed("mcks-attack-log-");
    const log = await run(fb, "text");
    const lines = log.split("\n").filter((l) => l !== "");
    assert.ok(lines.some((l) => l.includes("started jupyter-")), `the start was not logged:\n${log}`);
    for (const l of lines) {
      assert.match(l, /^mcks serve: \d{4}-\d\d-\d\dT[\d:.]+Z (info|warn|error) /, `a line that is not an event of its own: ${JSON.stringify(l)}`);
      assert.ok(!l.includes("\u001b") && !l.includes("\r"), `a control character in the log: ${JSON.stringify(l)}`);
    }
    assert.ok(!lines.some((l) => l.startsWith(FORGED)), "a forged line");
    assert.ok(lines.some((l) => l.includes(`user="${prefix}text\\n${FORGED}`)), `the user's name is not shown escaped:\n${log}`);
    for (const v of Object.values(SECRETS)) assert.ok(!log.includes(v), `${v} is in the log`);
  });

  it("json: one object per line with time, level, msg, user, server, cluster, key, request; no secret", async () => {
    fb ??= await faultBed("mcks-attack-log-");
    const log = await run(fb, "json");
    const events = log
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          assert.fail(`not one JSON object: ${JSON.stringify(l)}`);
        }
      });
    for (const e of events) for (const k of ["time", "level", "msg", "user", "server", "cluster", "key", "request"]) assert.ok(k in e, `${k} missing in ${JSON.stringify(e)}`);
    const start = events.find((e) => typeof e.msg === "string" && e.msg.startsWith("started "));
    assert.ok(start, `no start event:\n${log}`);
    assert.equal(start.user, `${prefix}json\n${FORGED}\u001b[2K\r`);
    assert.equal(start.server, "x\ny");
    assert.equal(start.cluster, fb.clusters[0]!.name);
    assert.match(String(start.key), /^jupyter-/);
    assert.match(String(start.request), /^\d+\/\d+$/);
    for (const v of Object.values(SECRETS)) assert.ok(!log.includes(v), `${v} is in the log`);
    assert.deepEqual(await managedAfterStop(fb, prefix), [], "objects left behind");
  });
});
