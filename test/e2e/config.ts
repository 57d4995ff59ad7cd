/**
 * The mcks config of the hub tests (hub/tests, test/e2e): the bed's clusters testbed-1…3 and
 * profiles that exercise the spawn page and the spawner:
 *   - `mock-1` (default, 2 s slower to start) / `mock-2`: the agent's in-process mock server, which reports the pod that
 *     answered, so a test can tell which cluster served a request. `mock-1` has an option with
 *     listed choices and an unlisted free-text choice with a validation pattern.
 *   - `real`: the REAL jupyterhub-singleuser from hub/.venv (image mapped by
 *     test/testbed/agent/images.json), so the OAuth handshake with the hub really happens.
 *   - `broken`: an image the agent fails to pull (ErrImagePull → ImagePullBackOff).
 *   - `admins-only`: only admins see it (profiles.list filters per user).
 *   - `gold`: only users whose auth_state (pass_auth_state) says tier "gold" see it; its pod
 *     carries the tier as an annotation. `mock-1`'s "256 MB" choice is for the group big-memory.
 *   - `direct-1`: testbed-1 reached at the pod's IP (cluster `testbed-1-direct`, `routing: "pod-ip"`),
 *     without a ServiceAccount: the hub's proxy routes straight to the pod, no Service, no Ingress.
 * The clusters come from `.testbed/clusters.json` (`npm run testbed -- up`).
 */
import { defineConfig } from "multicluster-kubespawner";
import { join, resolve } from "node:path";
import { bedClusters, podIpCluster } from "../testbed/bed-clusters.ts";

// mcks's loader gives each config file its __dirname; plain Node ESM has none.
const here = typeof __dirname === "string" ? __dirname : resolve(process.cwd(), "test/e2e");

const { clusters } = bedClusters();

export default defineConfig({
  clusters: { ...clusters, "testbed-1-direct": podIpCluster(clusters["testbed-1"]!) },
  defaults: {
    image: "testbed/singleuser:latest",
    port: 8888,
    cpuGuarantee: 0.1,
    memGuarantee: "64M",
  },
  profiles: [
    {
      slug: "mock-1",
      displayName: "Small server on testbed-1",
      description: "A mock notebook server in cluster testbed-1",
      default: true,
      cluster: "testbed-1",
      // Still the mock server, but 2 s in ContainerCreating: long enough for a browser to watch
      // the progress bar move (the agent's slow-start-<ms> image convention).
      image: "testbed/singleuser-slow-start-2000:latest",
      options: {
        memory: {
          displayName: "Memory",
          choices: {
            small: { displayName: "64 MB", default: true, overrides: { memGuarantee: "64M" } },
            large: { displayName: "128 MB", overrides: { memGuarantee: "128M" } },
            huge: { displayName: "256 MB", allowed: (user) => user.groups?.includes("big-memory") ?? false, overrides: { memGuarantee: "256M" } },
          },
          unlisted: {
            displayName: "Other size",
            validation: "[1-9][0-9]{0,3}M",
            validationMessage: "a size in megabytes, like 96M",
            overrides: (value) => ({ memGuarantee: value }),
          },
        },
      },
    },
    {
      slug: "mock-2",
      displayName: "Small server on testbed-2",
      description: "A mock notebook server in cluster testbed-2",
      cluster: "testbed-2",
    },
    {
      slug: "real",
      displayName: "Jupyter Server on testbed-3",
      description: "The real jupyterhub-singleuser, logging in through the hub",
      cluster: "testbed-3",
      image: "testbed/singleuser-real:latest",
      environment: {
        // The bed runs processes as this machine's user (root in CI): allow it, and keep
        // JupyterLab from calling out for news and updates. See singleuser-config/. A config
        // *path*, not JUPYTER_CONFIG_DIR: JupyterLab writes workspaces into the config dir.
        JUPYTER_CONFIG_PATH: join(here, "singleuser-config"),
      },
    },
    {
      slug: "broken",
      displayName: "Broken image",
      description: "Its image cannot be pulled: shows how a failure reaches the user",
      cluster: "testbed-2",
      image: "testbed/fail-pull:latest",
    },
    {
      slug: "direct-1",
      displayName: "Small server on testbed-1, at its pod's IP",
      description: "The hub's proxy reaches the pod directly: no Service, no Ingress, no ServiceAccount",
      cluster: "testbed-1-direct",
      serviceAccount: false,
    },
    {
      slug: "admins-only",
      displayName: "Admins only",
      description: "Only hub admins see this one",
      cluster: "testbed-1",
      allowed: (user) => user.admin === true,
    },
    {
      slug: "gold",
      displayName: "Gold tier",
      description: "Only for users whose auth_state says so",
      cluster: "testbed-2",
      allowed: (user) => user.authState?.tier === "gold",
      extraAnnotations: (ctx) => ({ "example.org/tier": String(ctx.user.authState?.tier) }),
    },
  ],
  // The broken image's start fails at the latest after this (it fails at its pull, in seconds);
  // the real server needs a few seconds idle, several times that on a loaded machine. Below the
  // hub's own start_timeout (90 s, hub-stack.ts), so the daemon's verdict is the one users see.
  startTimeout: 75,
});
