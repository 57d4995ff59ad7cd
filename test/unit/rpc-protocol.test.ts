import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, RpcError } from "../../src/rpc/errors.ts";
import { parseParams } from "../../src/rpc/params.ts";
import { ParamsSchemas } from "../../src/rpc/protocol.ts";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected RpcError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.InvalidParams);
    return err.message;
  }
  assert.fail("expected the params to be rejected");
}

describe("rpc protocol params", () => {
  const bad: [string, keyof typeof ParamsSchemas, unknown, string][] = [
    ["user name of the wrong type", "server.start", { user: { name: 3 } }, "params.user.name: expected a string, got number 3"],
    ["missing user", "profiles.list", {}, "params.user: is required (expected an object)"],
    ["empty user name", "profiles.list", { user: { name: "" } }, "params.user.name: must not be empty"],
    ["group not a string", "profiles.list", { user: { name: "a", groups: ["x", 1] } }, "params.user.groups[1]: expected a string, got number 1"],
    ["admin not a boolean", "profiles.list", { user: { name: "a", admin: "yes" } }, 'params.user.admin: expected a boolean, got the string "yes"'],
    ["option not a string", "server.start", { user: { name: "a" }, options: { "gpu type": 2 } }, 'params.options["gpu type"]: expected a string, got number 2'],
    ["env not a record", "server.start", { user: { name: "a" }, env: ["A=1"] }, "params.env: expected a record, got an array"],
    ["state without cluster", "server.poll", { user: { name: "a" }, state: { namespace: "n", key: "k", profile: "p" } }, "params.state.cluster: is required (expected a string)"],
    ["now not a boolean", "server.stop", { user: { name: "a" }, now: 1 }, "params.now: expected a boolean, got number 1"],
    ["by-position params", "server.stop", [{ name: "a" }], "params: expected an object (by-name parameters), got an array"],
  ];
  for (const [title, method, params, expected] of bad) {
    it(`rejects ${title}`, () => {
      const message = messageOf(() => parseParams(ParamsSchemas[method], params));
      assert.ok(message.startsWith(expected), `${JSON.stringify(message)} should start with ${JSON.stringify(expected)}`);
    });
  }

  it("lists every problem at once", () => {
    const message = messageOf(() => parseParams(ParamsSchemas["server.start"], { user: {}, server: 1 }));
    assert.match(message, /params\.user\.name: is required/);
    assert.match(message, /params\.server: expected a string, got number 1/);
  });

  it("fills defaults and keeps unknown state fields", () => {
    const start = parseParams(ParamsSchemas["server.start"], { user: { name: "Zoë" } });
    assert.deepEqual(start, { user: { name: "Zoë" }, server: "", profile: "", options: {}, env: {}, cmd: [], args: [] });
    const state = { cluster: "eu", namespace: "jhub", key: "jupyter-zoe", profile: "small", startedAt: 5 };
    const stop = parseParams(ParamsSchemas["server.stop"], { user: { name: "Zoë" }, server: "gpu", state });
    assert.deepEqual(stop, { user: { name: "Zoë" }, server: "gpu", state, now: false });
    const poll = parseParams(ParamsSchemas["server.poll"], { user: { name: "Zoë" } });
    assert.equal(poll.state, null, "a stop/poll before start returned has no state");
    assert.equal(parseParams(ParamsSchemas.health, undefined), undefined);
  });
});
