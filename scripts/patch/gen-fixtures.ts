/**
 * Runs every case of scripts/patch/cases.ts through `kubectl patch --local` and writes
 * test/fixtures/patch/<name>.json with the object, the patch and kubectl's answer (its `-o yaml`
 * output, or its error). Also runs kubectl 1.33 and records whether it answers the same.
 *
 *   node_modules/.bin/node scripts/patch/gen-fixtures.ts
 *
 * KUBECTL / KUBECTL_NEXT override the binaries (default /usr/bin/kubectl and
 * /usr/lib/google-cloud-sdk/bin/kubectl.1.33). No cluster is contacted (--local, empty kubeconfig).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CASES, type PatchCase } from "./cases.ts";

const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const KUBECTL_NEXT = process.env.KUBECTL_NEXT ?? "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
const OUT = join(import.meta.dirname, "../../test/fixtures/patch");

interface Answer {
  output: string | null;
  error: string | null;
}

function version(bin: string): string {
  const r = spawnSync(bin, ["version", "--client", "-o", "json"], { encoding: "utf8" });
  return (JSON.parse(r.stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}

function run(bin: string, dir: string, c: PatchCase, format: "yaml" | "json"): Answer {
  const r = spawnSync(
    bin,
    ["patch", "--local", "-f", join(dir, "object.yaml"), "--type", c.type, "--patch-file", join(dir, "patch.yaml"), "-o", format],
    { encoding: "utf8", env: { ...process.env, KUBECONFIG: "/dev/null" } },
  );
  if (r.error) throw r.error;
  return r.status === 0 ? { output: r.stdout, error: null } : { output: null, error: r.stderr.trim() };
}

const tmp = mkdtempSync(join(tmpdir(), "mcks-patch-fixtures-"));
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (f.endsWith(".json")) rmSync(join(OUT, f));
const v = version(KUBECTL);
const vNext = version(KUBECTL_NEXT);
const differing: string[] = [];
for (const c of CASES) {
  writeFileSync(join(tmp, "object.yaml"), c.object);
  writeFileSync(join(tmp, "patch.yaml"), c.patch);
  const a = run(KUBECTL, tmp, c, "yaml");
  const json = a.output === null ? null : run(KUBECTL, tmp, c, "json").output;
  const next = run(KUBECTL_NEXT, tmp, c, "yaml");
  const same = next.output === a.output && (next.error === null) === (a.error === null);
  if (!same) differing.push(c.name);
  const fixture = {
    generated: "by scripts/patch/gen-fixtures.ts from scripts/patch/cases.ts; do not edit",
    name: c.name,
    about: c.about,
    type: c.type,
    object: c.object,
    patch: c.patch,
    kubectl: v,
    output: a.output,
    outputJson: json,
    error: a.error,
    [`kubectl ${vNext}`]: same ? "same" : next,
  };
  writeFileSync(join(OUT, `${c.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
}
rmSync(tmp, { recursive: true });
process.stdout.write(`${CASES.length} fixtures in ${OUT} (kubectl ${v}); ${vNext} differs on ${differing.length}: ${differing.join(", ") || "none"}\n`);
