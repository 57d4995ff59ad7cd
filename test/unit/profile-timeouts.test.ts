/**
 * How long a start may wait: `startTimeout` from the config, a profile or an option choice
 * (last level wins), and a cluster's `unschedulableTimeout` (default 120 s, null = none).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import { longestStartTimeout, resolveSpawn, startTimeoutOf } from "../../src/profile/resolve-spawn.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const CONFIG = `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    cpu: { context: "a", ingressPublicUrl: "http://10.0.0.1" },
    gpu: { context: "b", ingressPublicUrl: "http://10.0.0.2", unschedulableTimeout: null },
    quick: { context: "c", ingressPublicUrl: "http://10.0.0.3", unschedulableTimeout: 30 },
  },
  profiles: [
    { slug: "small", displayName: "Small", cluster: "cpu", default: true },
    {
      slug: "gpu", displayName: "GPU", cluster: "gpu", startTimeout: 600,
      options: {
        size: {
          displayName: "GPUs",
          choices: {
            one: { displayName: "1", default: true },
            eight: { displayName: "8", overrides: { startTimeout: 900 } },
          },
        },
      },
    },
  ],
  startTimeout: 120,
});
`;

let config: ResolvedConfig;
before(async () => {
  config = (await loadConfig(writeConfig(CONFIG))).config;
});
const req = (profile: string, options: Record<string, string> = {}) => ({ user: { name: "alice" }, server: "", profile, options });

describe("startTimeout", () => {
  it("is the config's, a profile's, or an option choice's: the last level that sets it", () => {
    assert.equal(resolveSpawn(config, req("small")).ctx.spawn.startTimeout, 120);
    assert.equal(resolveSpawn(config, req("gpu")).ctx.spawn.startTimeout, 600);
    assert.equal(resolveSpawn(config, req("gpu", { size: "eight" })).ctx.spawn.startTimeout, 900);
    assert.equal(startTimeoutOf(config, req("gpu", { size: "eight" })), 900);
  });

  it("a request that does not resolve gets the config's (its start then fails with why)", () => {
    assert.equal(startTimeoutOf(config, req("no-such-profile")), 120);
  });

  it("the longest any start may take bounds another daemon's incomplete starts", () => {
    assert.equal(longestStartTimeout(config), 900);
  });
});

describe("unschedulableTimeout", () => {
  it("defaults to 120 s per cluster; null means none of its own", () => {
    assert.equal(config.clusters.get("cpu")?.unschedulableTimeout, 120);
    assert.equal(config.clusters.get("gpu")?.unschedulableTimeout, null);
    assert.equal(config.clusters.get("quick")?.unschedulableTimeout, 30);
  });
});
