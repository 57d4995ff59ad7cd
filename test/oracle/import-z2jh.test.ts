/**
 * `mcks import --from z2jh` round trips, judged by KubeSpawner 7.1.0: for realistic values files
 * (test/fixtures/z2jh/, written from z2jh's and KubeSpawner's documented examples), the generated
 * config.ts passes `mcks validate`, and for each profile (and option choice) the Pod `mcks dry-run`
 * prints equals the Pod KubeSpawner makes from the same values, configured as the chart
 * configures it (kubespawner_pods.py `traits_from_z2jh`). harness.ts lists what is normalised.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { z2jhDefaults } from "../../src/import/z2jh-defaults.ts";
import { mergeTree } from "../../src/objects/plain-data.ts";
import { parseKubectlYaml } from "../../src/patch/kubectl-yaml.ts";
import { dryRun, inPairs, kubeSpawnerPods, mcks, normalizeClaim, normalizePod } from "./harness.ts";
import type { KubeSpawnerCase } from "./harness.ts";

const ROOT = join(import.meta.dirname, "../..");
const FIXTURES = join(ROOT, "test/fixtures/z2jh");
const CHART = "4.2.0";

type Obj = Record<string, unknown>;

interface Start {
  /** The profile slug both sides use. */
  readonly profile: string;
  /** mcks's --option values. */
  readonly options?: Readonly<Record<string, string>>;
  /** KubeSpawner's user_options beyond the profile (its unlisted values use `<option>--unlisted-choice`). */
  readonly userOptions?: Obj;
}

interface Fixture {
  readonly file: string;
  readonly starts: readonly Start[];
  /** Paths the import must report as not carried over. */
  readonly unmapped: readonly string[];
}

const FIXTURES_UNDER_TEST: readonly Fixture[] = [
  {
    file: "gpu.yaml",
    starts: [{ profile: "cpu-only" }, { profile: "gpu-server" }],
    unmapped: ["hub", "proxy", "scheduling.userScheduler.enabled", "singleuser.networkPolicy.enabled"],
  },
  {
    file: "images.yaml",
    starts: [{ profile: "minimal-environment" }, { profile: "datascience-environment" }, { profile: "spark-environment" }, { profile: "learning-data-science" }],
    unmapped: ["scheduling.userScheduler.enabled"],
  },
  {
    file: "unlisted-image.yaml",
    starts: [
      { profile: "python" },
      { profile: "python", options: { image: "pytorch", size: "large" }, userOptions: { image: "pytorch", size: "large" } },
      { profile: "python", options: { image: "jupyter/scipy-notebook:2024.1" }, userOptions: { "image--unlisted-choice": "jupyter/scipy-notebook:2024.1" } },
    ],
    unmapped: ["scheduling.userScheduler.enabled"],
  },
  {
    file: "node-pools.yaml",
    starts: [{ profile: "standard" }, { profile: "highmem" }, { profile: "spot" }],
    unmapped: [],
  },
  {
    file: "per-profile-storage.yaml",
    starts: [{ profile: "standard" }, { profile: "large-home" }, { profile: "scratch" }],
    unmapped: ["singleuser.storage.dynamic.pvcNameTemplate"],
  },
  {
    file: "static-storage.yaml",
    starts: [{ profile: "default" }, { profile: "privileged-debugging" }],
    unmapped: [],
  },
];

for (const fx of FIXTURES_UNDER_TEST) {
  test(`mcks import ${fx.file}: validates, reports what it leaves out, and its pods equal KubeSpawner's`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcks-import-"));
    const config = join(dir, "config.ts");
    const values = join(FIXTURES, fx.file);
    const imported = await mcks(["import", "--from", "z2jh", values, "-o", config, "--cluster", "gke", "--chart-version", CHART]);
    for (const path of fx.unmapped) assert.match(imported.stderr, new RegExp(`not carried over: ${path.replace(/\./g, "\\.")}:`), `${path} not reported`);
    const validated = await mcks(["validate", "-c", config]);
    assert.match(validated.stdout, /ok/);

    const merged = mergeTree(z2jhDefaults(CHART), parseKubectlYaml(readFileSync(values, "utf8"), values) as Record<string, unknown>);
    const cases: KubeSpawnerCase[] = fx.starts.map((s, i) => ({ id: `start-${i}`, user: "alice", z2jh: merged, user_options: { profile: s.profile, ...s.userOptions } }));
    const reference = kubeSpawnerPods(cases);
    const printed = await inPairs(
      fx.starts.map((s) => () => dryRun(config, ["--user", "alice", "--profile", s.profile, ...Object.entries(s.options ?? {}).flatMap(([k, v]) => ["--option", `${k}=${v}`])])),
    );
    const home = { volume: "volume-alice", claim: "claim-alice", key: "jupyter-alice" };
    fx.starts.forEach((s, i) => {
      const ks = reference[`start-${i}`];
      assert.ok(ks);
      const objects = printed[i] as Obj[];
      const pod = objects.find((o) => o.kind === "Pod") as Obj;
      const where = `${fx.file}, profile ${s.profile}${s.options ? ` ${JSON.stringify(s.options)}` : ""}`;
      assert.deepEqual(normalizePod(pod, "mcks"), normalizePod(ks.pod, "kubespawner", home), where);
      assert.deepEqual(normalizeClaim(objects.find((o) => o.kind === "PersistentVolumeClaim") as Obj | undefined), normalizeClaim(ks.pvc), `${where}: home claim`);
    });
  });
}
