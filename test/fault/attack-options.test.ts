/**
 * Attack (issue 11, finding 6): free-text (unlisted) option values from a hub user. An option
 * without validation, a pattern with the `m` flag that lets `\n--ServerApp.disable_check_xsrf=True`
 * through, endless values, and `(a|aa)+`, which blocked the whole daemon for seconds. `mcks
 * validate` refuses the unsafe configs; the real daemon (product binary, on the bed) refuses
 * the values with a clear error, creates nothing, and keeps answering while it matches.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect } from "../../src/rpc/client.ts";
import { writeAttackConfig } from "./attack-config.ts";
import { allManaged, faultBed, runPrefix, startServe, tempDir, type FaultBed, type ServeProcess } from "./fault-fixture.ts";
import { mcks } from "./mcks-cli.ts";

const prefix = runPrefix("opts");
let fb: FaultBed;
let serve: ServeProcess;

const option = (validation: string) =>
  `options: { extra: { displayName: "Extra", choices: { none: { displayName: "None", default: true } }, unlisted: { displayName: "Other", validation: ${validation}, overrides: (v: string) => ({ args: [v] }) } } }`;

before(async () => {
  fb = await faultBed("mcks-attack-options-");
  const config = writeAttackConfig(fb, {
    profiles: [
      `{ slug: "word", displayName: "Word", cluster: "CLUSTER1", default: true, ${option(String.raw`/^--[a-z./=_]+$/i`)} }`,
      `{ slug: "redos", displayName: "ReDoS", cluster: "CLUSTER1", ${option(`"(a|aa)+"`)} }`,
      `{ slug: "free", displayName: "Anything", cluster: "CLUSTER1", ${option(`"any"`)} }`,
    ].join(",\n    "),
  });
  serve = await startServe(config);
});
after(async () => {
  await serve?.stop();
});

function validateConfig(validation: string | undefined): ReturnType<typeof mcks> {
  const dir = tempDir("mcks-attack-options-validate-");
  const file = join(dir, "config.ts");
  const unlisted = validation === undefined ? `{ displayName: "Other", overrides: (v: string) => ({ image: v }) }` : `{ displayName: "Other", validation: ${validation}, overrides: (v: string) => ({ image: v }) }`;
  writeFileSync(
    file,
    `export default {
  clusters: { c: { context: "c", ingressPublicUrl: "https://c.example.org" } },
  profiles: [{ slug: "p", displayName: "P", cluster: "c", options: { image: { displayName: "Image", choices: {}, unlisted: ${unlisted} } } }],
};
`,
  );
  return mcks(["validate", "-c", file]);
}

async function start(user: string, profile: string, value: string) {
  const c = await serve.client();
  try {
    return await c.call("server.start", { user: { name: user }, server: "", profile, options: { extra: value }, env: {} }, { timeoutMs: 120_000 }).then(
      (r) => ({ ok: r, error: undefined }),
      (err: Error) => ({ ok: undefined, error: err.message }),
    );
  } finally {
    await c.close();
  }
}

describe("attack: free-text option values", () => {
  it("validate: an unlisted option without validation, an m/g/y flag or lookaround is refused; \"any\" passes with a warning", () => {
    const none = validateConfig(undefined);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /profiles\[0\]\.options\.image\.unlisted\.validation: missing \(expected a RegExp .* or "any"/);
    for (const flag of ["m", "g", "y"]) {
      const r = validateConfig(`/^[a-z]+$/${flag}`);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, new RegExp(`unlisted\\.validation: the ${flag} flag .*; remove it`));
    }
    const look = validateConfig(String.raw`/^(?!latest)[a-z]+$/`);
    assert.equal(look.status, 1);
    assert.match(look.stderr, /linear-time matcher \(RE2\) does not have, such as lookaround/);
    const any = validateConfig(`"any"`);
    assert.equal(any.status, 0, any.stderr);
    assert.match(any.stderr, /warning: profiles\[0\]\.options\.image\.unlisted\.validation is "any"/);
  });

  it("a newline smuggling a second argument, an over-long value and a non-matching one are refused; nothing is created", async () => {
    const before0 = allManaged(fb, prefix);
    const cases: [string, string, RegExp][] = [
      ["word", "--ok\n--ServerApp.disable_check_xsrf=True", /contains a control character/],
      ["free", "x\r--ServerApp.disable_check_xsrf=True", /contains a control character/],
      ["free", "y".repeat(300), /300 characters long; at most 256/],
      ["word", "rm -rf /", /does not match the expected pattern/],
    ];
    for (const [i, [profile, value, why]] of cases.entries()) {
      const r = await start(`${prefix}v${i}`, profile, value);
      assert.equal(r.ok, undefined, `${JSON.stringify(value)} was accepted`);
      assert.match(r.error!, /invalid value ".*" for option "Extra" of profile/);
      assert.match(r.error!, why);
    }
    assert.deepEqual(allManaged(fb, prefix), before0, "a refused start created objects");
  });

  it("(a|aa)+ against 45 characters: refused while the daemon keeps answering", async () => {
    const evil = start(`${prefix}redos`, "redos", `${"a".repeat(44)}b`);
    const c = await connect(serve.socket, { timeoutMs: 30_000 });
    try {
      // With a backtracking engine this match takes minutes and nothing else is answered meanwhile.
      for (let i = 0; i < 5; i++) assert.ok((await c.call("health", {})).version);
    } finally {
      await c.close();
    }
    const r = await evil;
    assert.match(r.error ?? "", /does not match the expected pattern/);
  });

  it("a value that passes still starts (the checks refuse only what they should)", async () => {
    const user = `${prefix}good`;
    const r = await start(user, "word", "--ServerApp.default_url=/lab");
    assert.ok(r.ok, r.error);
    const c = await serve.client();
    await c.call("server.stop", { user: { name: user }, server: "", state: r.ok!.state, now: true }, { timeoutMs: 120_000 });
    await c.close();
  });
});
