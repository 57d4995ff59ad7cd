import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { AuthContext } from "multicluster-kubespawner";
import { parseToken, tokenAuth } from "../../plugins/token-auth.ts";

const ctx = (name: string): AuthContext => ({
  cluster: { name, context: `${name}-ctx` },
  log: { info() {}, warn() {} },
  signal: new AbortController().signal,
});

describe("tokenAuth", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcks-auth-"));

  it("reads the token file on every call, so rotated tokens are picked up", async () => {
    const file = join(dir, "token");
    writeFileSync(file, "first-token\n");
    const plugin = tokenAuth({ cluster: "do", tokenFile: file });
    assert.equal((await plugin.auth?.(ctx("do")))?.token, "first-token");
    writeFileSync(file, "second-token");
    assert.equal((await plugin.auth?.(ctx("do")))?.token, "second-token");
  });

  it("answers only for its own cluster", async () => {
    const plugin = tokenAuth({ cluster: "do", tokenFile: join(dir, "missing") });
    assert.equal(await plugin.auth?.(ctx("gke")), null);
  });

  it("runs a command printing an ExecCredential and keeps its expiry", async () => {
    const cred = { kind: "ExecCredential", status: { token: "abc.def", expirationTimestamp: "2030-01-01T00:00:00Z" } };
    const plugin = tokenAuth({ cluster: "eks", command: ["printf", "%s", JSON.stringify(cred)] });
    const got = await plugin.auth?.(ctx("eks"));
    assert.equal(got?.token, "abc.def");
    assert.equal(got?.expiresAt?.toISOString(), "2030-01-01T00:00:00.000Z");
  });

  it("reports a failing command with its stderr", async () => {
    const plugin = tokenAuth({ cluster: "eks", command: ["sh", "-c", "echo 'no credentials' >&2; exit 3"] });
    await assert.rejects(async () => plugin.auth?.(ctx("eks")), /sh -c .* failed: no credentials/);
  });

  it("rejects empty or multi-word output and a config with both or neither source", () => {
    assert.throws(() => parseToken("  \n"), /expected one token/);
    assert.throws(() => parseToken("two words"), /expected one token/);
    assert.throws(() => parseToken("{}"), /without status.token/);
    assert.throws(() => tokenAuth({ cluster: "x" }), /exactly one of tokenFile or command/);
    assert.throws(() => tokenAuth({ cluster: "x", tokenFile: "a", command: ["b"] }), /exactly one/);
  });
});
