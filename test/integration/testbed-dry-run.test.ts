/**
 * What `mcks dry-run` prints is accepted by a real API server (`kubectl apply --dry-run=server`:
 * full validation, defaulting and admission, nothing stored), for every profile of
 * test/testbed/config.ts (through that profile's restricted context, so rbac-minimal.yaml must
 * suffice) and of config.example.ts (as admin, since its namespaces are made on the fly).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { kubectl } from "../testbed/bootstrap.ts";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { repoRoot } from "../testbed/layout.ts";

let bed: Bed;

before(async () => {
  bed = await ensureBed({ clusters: 3 });
});

function dryRun(config: string, profile: string, extra: string[] = []): string {
  const r = spawnSync(process.execPath, [join(repoRoot, "src/main.ts"), "dry-run", "-c", config, "--user", "alice", "--profile", profile, ...extra], {
    encoding: "utf8",
    cwd: repoRoot,
  });
  assert.equal(r.status, 0, `mcks dry-run -c ${config} --profile ${profile} failed: ${r.stderr}`);
  assert.match(r.stdout, /kind: Pod/);
  return r.stdout;
}

/**
 * A server-side dry run stores nothing, so a Pod naming the per-server ServiceAccount made in the
 * same batch would be refused by ServiceAccount admission. So everything but Pods and Namespaces
 * is applied for real first (as the same user), then the whole output is dry-run, then removed.
 */
function serverDryRun(context: string, yaml: string): void {
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as { kind?: string } | null).filter((d): d is { kind: string } => !!d?.kind);
  const prereqs = docs.filter((d) => d.kind !== "Pod" && d.kind !== "Namespace").map((d) => stringify(d)).join("---\n");
  const pre = kubectl(bed.kubeconfig, context, ["apply", "--server-side", "--field-manager=multicluster-kubespawner", "-f", "-"], prereqs);
  assert.equal(pre.status, 0, `applying the non-Pod objects for real failed: ${pre.stderr}`);
  try {
    const r = kubectl(bed.kubeconfig, context, ["apply", "--server-side", "--field-manager=multicluster-kubespawner", "--dry-run=server", "-f", "-"], yaml);
    assert.equal(r.status, 0, `kubectl --context ${context} apply --dry-run=server rejected it: ${r.stderr}`);
    assert.match(r.stdout, /pod\/\S+ serverside-applied \(server dry run\)/);
  } finally {
    kubectl(bed.kubeconfig, context, ["delete", "--ignore-not-found", "--wait=false", "-f", "-"], prereqs);
  }
}

describe("mcks dry-run output passes the API server's validation and admission", () => {
  for (const [profile, clusterName] of [
    ["testbed-1", "testbed-1"],
    ["testbed-2", "testbed-2"],
    ["testbed-3", "testbed-3"],
    ["testbed-2-gpu", "testbed-2"],
    ["testbed-2-gpu-x4", "testbed-2"],
  ] as const) {
    test(`test/testbed/config.ts profile ${profile}, as the restricted user`, () => {
      const cluster = bed.clusters.find((c) => c.name === clusterName)!;
      serverDryRun(cluster.restrictedContext, dryRun("test/testbed/config.ts", profile));
    });
  }

  for (const profile of ["gcp-us-central1", "aws-us-east-1", "gpu-us-central1", "do-ams3"]) {
    test(`config.example.ts profile ${profile}, as admin on testbed-1`, () => {
      const ctx = bed.clusters[0]!.context;
      // Its namespaces must exist for a server-side dry run of the objects inside them (a dry
      // run of the Namespace object does not create it), with the default ServiceAccount.
      for (const ns of ["jhub-alice", "jupyterhub"]) {
        kubectl(bed.kubeconfig, ctx, ["apply", "--server-side", "--field-manager=mcks-testbed", "-f", "-"],
          `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: { name: default, namespace: ${ns} }\n`);
      }
      serverDryRun(ctx, dryRun("config.example.ts", profile, ["--admin"]));
    });
  }
});
