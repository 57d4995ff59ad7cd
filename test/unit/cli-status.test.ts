/** `mcks status`'s table, from a `servers.list` answer (the daemon's side: test/integration/serve-metrics.test.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { age, formatStatus } from "../../src/cli/status.ts";

const now = Date.parse("2026-01-01T12:00:00Z");

test("ages as kubectl prints them", () => {
  assert.equal(age("2026-01-01T11:59:30Z", now), "30s");
  assert.equal(age("2026-01-01T11:50:00Z", now), "10m");
  assert.equal(age("2026-01-01T09:00:00Z", now), "3h");
  assert.equal(age("2025-12-25T12:00:00Z", now), "7d");
  assert.equal(age(undefined, now), "-");
});

test("clusters, then servers, in aligned columns", () => {
  const out = formatStatus(
    {
      clusters: {
        eu: { reachable: true, since: "2026-01-01T08:00:00Z", lastSeen: "2026-01-01T11:59:58Z", version: "v1.32.2", running: 1, pending: 1 },
        us: { reachable: false, since: "2026-01-01T11:55:00Z", error: "cluster \"us\" (https://10.0.0.2) is unreachable: ECONNREFUSED", running: 0, pending: 0 },
      },
      servers: [
        { user: "alice", server: "", key: "jupyter-alice", profile: "small", cluster: "eu", namespace: "jhub", phase: "running", node: "n1", since: "2026-01-01T11:00:00Z", message: "Server ready at https://eu/user/alice/" },
        { user: "bob", server: "gpu", key: "jupyter-bob--gpu", profile: "gpu", cluster: "eu", namespace: "jhub", phase: "starting", since: "2026-01-01T11:59:00Z", message: "Pulling image" },
      ],
    },
    now,
  );
  assert.equal(
    out,
    [
      "CLUSTER  REACHABLE   VERSION  RUNNING  PENDING  LAST SEEN  ERROR",
      "eu       yes         v1.32.2  1        1        2s ago",
      'us       no, for 5m  -        0        0        never      cluster "us" (https://10.0.0.2) is unreachable: ECONNREFUSED',
      "",
      "USER   SERVER  PROFILE  CLUSTER  NAMESPACE  PHASE     NODE  AGE  MESSAGE",
      'alice  ""      small    eu       jhub       running   n1    60m  Server ready at https://eu/user/alice/',
      "bob    gpu     gpu      eu       jhub       starting  -     60s  Pulling image",
      "",
    ].join("\n"),
  );
  assert.match(formatStatus({ clusters: {}, servers: [] }, now), /\(no servers\)\n$/);
});
