/**
 * The config whose least RBAC (`mcks rbac`) the bed grants its restricted user
 * (rbac-minimal.yaml, checked by test/unit/rbac-bed.test.ts): servers with what the bed's
 * tests create besides the built-in objects — a home volume that outlives stops and upstream's
 * dask Role and RoleBinding. Only the kinds matter here, so the cluster is a placeholder.
 */
import { defineConfig } from "multicluster-kubespawner";
import { HOME_VOLUME } from "../fixtures/home-volume.ts";
import { UPSTREAM_RESOURCES } from "../fixtures/upstream-examples.ts";


export default defineConfig({
  clusters: { "testbed-1": { context: "testbed-1-restricted", ingressPublicUrl: "http://127.0.0.1:8000", namespace: "default" } },
  profiles: [{ slug: "bed", displayName: "Bed", cluster: "testbed-1", resources: { "00-home": HOME_VOLUME, ...UPSTREAM_RESOURCES } }],
});
