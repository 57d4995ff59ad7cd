/**
 * How long a start may wait: the longest `startTimeout` of a config, and a cluster's
 * `unschedulableTimeout` (default 120 s, null = none).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import { longestStartTimeout } from "../../src/profile/resolve-spawn.ts";
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

// Which level's startTimeout a start gets is in native-settings.test.ts.
describe("startTimeout", () => {
  it("the longest any start may take (a choice's) bounds another daemon's incomplete starts", () => {
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
