/**
 * test/e2e/config.ts plus two profiles on testbed-2 with testbed-1 as their fallback, for
 * test/e2e/cluster-health.test.ts: `fallback` keeps nothing per user, so it starts on testbed-1
 * while testbed-2 is down; `home` keeps a home volume on testbed-2, so it never falls back.
 */
import { defineConfig } from "multicluster-kubespawner";
import { HOME_VOLUME } from "../fixtures/home-volume.ts";
import base from "./config.ts";

export default defineConfig({
  ...base,
  profiles: [
    ...base.profiles,
    {
      slug: "fallback",
      displayName: "Small server on testbed-2, or testbed-1",
      description: "Starts on testbed-1 while testbed-2 is unreachable",
      cluster: "testbed-2",
      fallbackClusters: ["testbed-1"],
    },
    {
      slug: "home",
      displayName: "With a home volume on testbed-2",
      description: "Its home volume lives on testbed-2: never starts elsewhere",
      cluster: "testbed-2",
      fallbackClusters: ["testbed-1"],
      resources: { "00-home": HOME_VOLUME },
    },
  ],
});
