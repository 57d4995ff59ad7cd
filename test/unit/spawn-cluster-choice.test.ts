/** Which cluster a start goes to while clusters are up or down (spawn/cluster-choice.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterStatus } from "../../src/kube/index.ts";
import type { KubeObject } from "../../src/objects/types.ts";
import { chooseCluster, keepsUserData, nowhereToStart } from "../../src/spawn/cluster-choice.ts";

const up: ClusterStatus = { reachable: true, since: "2026-01-01T00:00:00.000Z" };
const down: ClusterStatus = { reachable: false, since: "2026-01-01T10:00:00.123Z", error: "cluster \"eu\" (https://10.0.0.1:6443) is unreachable: connect ECONNREFUSED", reason: "connection refused" };
const starting: ClusterStatus = { reachable: false, since: "2026-01-01T00:00:00.000Z", error: "not connected yet", reason: "not connected yet" };

describe("chooseCluster", () => {
  it("its own cluster while reachable, or not yet known to be down", () => {
    for (const eu of [up, starting]) {
      assert.deepEqual(chooseCluster({ cluster: "eu", fallbacks: ["us"], homeOnCluster: false }, { eu, us: up }), {
        name: "eu", reachable: true, fallbacks: ["us"], startsOn: "eu", homeOnCluster: false,
      });
    }
  });

  it("down: since when and why (the short reason, never the error with its address)", () => {
    const c = chooseCluster({ cluster: "eu", fallbacks: [], homeOnCluster: false }, { eu: down });
    assert.deepEqual(c, { name: "eu", reachable: false, since: down.since, reason: "connection refused", fallbacks: [], homeOnCluster: false });
    assert.doesNotMatch(JSON.stringify(c), /10\.0\.0\.1|ECONNREFUSED/);
  });

  it("down: the first reachable fallback, in order", () => {
    assert.equal(chooseCluster({ cluster: "eu", fallbacks: ["us", "ap"], homeOnCluster: false }, { eu: down, us: down, ap: up }).startsOn, "ap");
    assert.equal(chooseCluster({ cluster: "eu", fallbacks: ["us", "ap"], homeOnCluster: false }, { eu: down, us: up, ap: up }).startsOn, "us");
    assert.equal(chooseCluster({ cluster: "eu", fallbacks: ["us"], homeOnCluster: false }, { eu: down, us: down }).startsOn, undefined);
  });

  it("never a fallback when the user keeps data on the first cluster", () => {
    assert.equal(chooseCluster({ cluster: "eu", fallbacks: ["us"], homeOnCluster: true }, { eu: down, us: up }).startsOn, undefined);
  });
});

describe("nowhereToStart", () => {
  it("says which cluster, since when, why, and why not a fallback; no address", () => {
    const home = nowhereToStart(chooseCluster({ cluster: "eu", fallbacks: ["us"], homeOnCluster: true }, { eu: down, us: up }));
    assert.equal(home.message, 'cluster "eu" is unreachable since 2026-01-01T10:00:00Z (connection refused); your home volume lives there, so this profile does not start on us; try another profile or ask the operator');
    assert.equal(home.cluster, "eu");
    assert.equal(home.publicMessage, home.message, "the hub's user reads the same words (they name no address)");
    const all = nowhereToStart(chooseCluster({ cluster: "eu", fallbacks: ["us"], homeOnCluster: false }, { eu: down, us: down }));
    assert.match(all.message, /; so is its fallback us; try another profile/);
    const none = nowhereToStart(chooseCluster({ cluster: "eu", fallbacks: [], homeOnCluster: false }, { eu: down }));
    assert.match(none.message, /^cluster "eu" is unreachable since \S+ \(connection refused\); try another profile or ask the operator$/);
  });
});

describe("keepsUserData", () => {
  const obj = (kind: string, lifetime?: string): KubeObject => ({ apiVersion: "v1", kind, metadata: { name: "x", labels: lifetime ? { "mcks.hub.jupyter.org/lifetime": lifetime } : {} } });
  it("an object that outlives stops, a Namespace aside", () => {
    assert.equal(keepsUserData([obj("Pod", "server"), obj("PersistentVolumeClaim", "user")]), true);
    assert.equal(keepsUserData([obj("Pod", "server"), obj("Namespace", "user")]), false);
    assert.equal(keepsUserData([obj("Pod")]), false);
  });
});
