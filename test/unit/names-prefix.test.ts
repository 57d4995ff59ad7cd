import assert from "node:assert/strict";
import { test } from "node:test";
import { serverPrefix } from "../../src/names/prefix.ts";

// Expected values are Python's urllib.parse.quote(name, safe="@~"), as JupyterHub builds URLs.
test("server prefixes are built as JupyterHub builds them", () => {
  const cases: Array<[string, string, string]> = [
    ["alice", "", "/user/alice/"],
    ["alice", "gpu", "/user/alice/gpu/"],
    ["a.b@example.org", "", "/user/a.b@example.org/"],
    ["a b/c?d#e", "x y", "/user/a%20b%2Fc%3Fd%23e/x%20y/"],
    ["jürgen~_-.", "", "/user/j%C3%BCrgen~_-./"],
    ["🦄", "", "/user/%F0%9F%A6%84/"],
    ["x\nkind: Secret", "", "/user/x%0Akind%3A%20Secret/"],
  ];
  for (const [user, server, prefix] of cases) assert.equal(serverPrefix(user, server), prefix);
  assert.equal(serverPrefix("alice", "", "/hub-base"), "/hub-base/user/alice/");
  assert.equal(serverPrefix("alice", "s", "/hub-base/"), "/hub-base/user/alice/s/");
});
