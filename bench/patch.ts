/**
 * `npm run bench:patch`: the cost of applying the upstream README's example patches to a user's
 * Pod, our way (in-process strategic merge) vs. upstream's way (one `kubectl patch --local`
 * process per patch, chained), in the same run.
 *
 *   npm run bench:patch -- [--users 2000] [--kubectl-users 5] [--kubectl /usr/bin/kubectl]
 *
 * Per user, each patch gets {{key}} substituted and is applied to the result of the previous
 * one. Two figures for ours:
 * - engine: patches parsed once (as a daemon can), {{key}} substituted in the parsed strings;
 * - with YAML: {{key}} substituted in the text and the text parsed per user (what the render
 *   stage does today with its text templates; the YAML parser dominates that cost).
 * kubectl reads and prints YAML per process either way.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { POD } from "../scripts/patch/bases.ts";
import { patchObject } from "../src/patch/index.ts";
import { isMap, type Json } from "../src/patch/json.ts";
import { parseKubectlYaml, printKubectlYaml } from "../src/patch/kubectl-yaml.ts";
import { UPSTREAM_MEMORY_PATCH_AS_MEANT, UPSTREAM_PATCHES } from "../test/fixtures/upstream-examples.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "2000" },
    "kubectl-users": { type: "string", default: "5" },
    kubectl: { type: "string", default: "/usr/bin/kubectl" },
  },
});
const USERS = Number(values.users);
const KUBECTL_USERS = Number(values["kubectl-users"]);

/** The upstream README's patches (01-memory as its author meant it: under the notebook container). */
const PATCHES: Record<string, string> = { ...UPSTREAM_PATCHES, "01-memory": UPSTREAM_MEMORY_PATCH_AS_MEANT };
const ORDERED = Object.keys(PATCHES).sort().map((k) => PATCHES[k]!);
const keyOf = (i: number): string => `jupyter-user${i}`;
const basePod = parseKubectlYaml(POD, "pod") as Record<string, Json>;

function podFor(key: string): Json {
  const meta = basePod.metadata;
  return { ...basePod, metadata: { ...(isMap(meta) ? meta : {}), name: key } };
}

// `name: {{key}}` is a flow map in YAML, so the once-parsed templates carry a plain placeholder.
const PLACEHOLDER = "__MCKS_KEY__";
function substitute(v: Json, key: string): Json {
  if (typeof v === "string") return v.replaceAll(PLACEHOLDER, key);
  if (Array.isArray(v)) return v.map((x) => substitute(x, key));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, key)]));
  return v;
}
const PARSED = ORDERED.map((t) => parseKubectlYaml(t.replaceAll("{{key}}", PLACEHOLDER), "patch"));

function ours(users: number, withYaml: boolean): { ms: number; last: Json } {
  let last: Json = null;
  const t0 = performance.now();
  for (let i = 0; i < users; i++) {
    const key = keyOf(i);
    let obj = podFor(key);
    for (let j = 0; j < ORDERED.length; j++) {
      const patch = withYaml ? parseKubectlYaml(ORDERED[j]!.replaceAll("{{key}}", key), "patch") : substitute(PARSED[j]!, key);
      obj = patchObject(obj, patch, "strategic") as Json;
    }
    last = obj;
  }
  return { ms: performance.now() - t0, last };
}

function upstream(users: number): { ms: number; last: string } {
  const dir = mkdtempSync(join(tmpdir(), "mcks-bench-patch-"));
  let last = "";
  const t0 = performance.now();
  try {
    for (let i = 0; i < users; i++) {
      const key = keyOf(i);
      let current = printKubectlYaml(podFor(key));
      for (const text of ORDERED) {
        writeFileSync(join(dir, "object.yaml"), current);
        writeFileSync(join(dir, "patch.yaml"), text.replaceAll("{{key}}", key));
        const r = spawnSync(
          values.kubectl,
          ["patch", "--local", "-f", join(dir, "object.yaml"), "--type", "strategic", "--patch-file", join(dir, "patch.yaml"), "-o", "yaml"],
          { encoding: "utf8", env: { ...process.env, KUBECONFIG: "/dev/null" } },
        );
        if (r.status !== 0) throw new Error(`kubectl failed: ${r.stderr || r.error?.message}`);
        current = r.stdout;
      }
      last = current;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ms: performance.now() - t0, last };
}

ours(200, false); // warm-up (JIT), not counted
ours(200, true);
const a = ours(USERS, false);
const y = ours(USERS, true);
const b = upstream(KUBECTL_USERS);
// Same answer, or the comparison means nothing.
const lastKey = keyOf(KUBECTL_USERS - 1);
for (const withYaml of [false, true]) {
  const check = ours(KUBECTL_USERS, withYaml).last;
  if (printKubectlYaml(check) !== b.last) throw new Error(`results differ for ${lastKey}: ours and kubectl's Pods are not identical`);
}

const perOurs = a.ms / USERS;
const perYaml = y.ms / USERS;
const perKubectl = b.ms / KUBECTL_USERS;
const fmt = (ms: number): string => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);
process.stdout.write(
  [
    `patches per user: ${ORDERED.length} (upstream README: 01-annotations, 01-memory, 02-gpu) on a ${POD.split("\n").length}-line Pod`,
    `ours, engine (patches parsed once):   ${USERS} users in ${fmt(a.ms)} → ${fmt(perOurs)} per user`,
    `ours, with YAML parse per user:       ${USERS} users in ${fmt(y.ms)} → ${fmt(perYaml)} per user`,
    `upstream (kubectl patch --local × ${ORDERED.length}): ${KUBECTL_USERS} users in ${fmt(b.ms)} → ${fmt(perKubectl)} per user (${fmt(perKubectl / ORDERED.length)} per process)`,
    `results identical to kubectl's: yes`,
    `speed-up per user: engine ${Math.round(perKubectl / perOurs)}×, with YAML parse ${Math.round(perKubectl / perYaml)}×`,
    "",
  ].join("\n"),
);
