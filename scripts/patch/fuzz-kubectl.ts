/**
 * Differential fuzzing against kubectl: random strategic patches (merge-keyed lists in random
 * order, new items, $patch delete/replace, $setElementOrder, $deleteFromPrimitiveList,
 * $retainKeys, nulls) over the conformance Pod; ours must equal kubectl's answer, list order
 * included, or both must fail. Not part of CI (needs kubectl); failures are worth a fixture.
 *
 * Also --type merge (random nested maps, lists and nulls) and --type json (random operations on
 * existing and missing paths, `-`, negative indices, escapes).
 *
 *   node_modules/.bin/node scripts/patch/fuzz-kubectl.ts [cases=200] [seed=1] [strategic|merge|json]
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { patchObject } from "../../src/patch/index.ts";
import { jsonEqual, type Json, type JsonMap } from "../../src/patch/json.ts";
import { parseKubectlYaml } from "../../src/patch/kubectl-yaml.ts";
import { POD, WIDGET } from "./bases.ts";

const N = Number(process.argv[2] ?? 200);
let seed = Number(process.argv[3] ?? 1);
const TYPE = (process.argv[4] ?? "strategic") as "strategic" | "merge" | "json";
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (p: number): boolean => rnd() < p;
function shuffle<T>(xs: readonly T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
const some = <T>(xs: readonly T[], p = 0.5): T[] => shuffle(xs.filter(() => chance(p)));

function keyedList(key: string, existing: string[], fresh: string[], body: (name: string) => JsonMap): { list: Json[]; order?: Json[] } {
  const names = shuffle([...some(existing), ...some(fresh, 0.4)]);
  const list: Json[] = names.map((n) => {
    if (existing.includes(n) && chance(0.15)) return { [key]: n, $patch: "delete" };
    return { [key]: n, ...body(n) };
  });
  if (chance(0.08)) list.push({ $patch: "replace" });
  let order: Json[] | undefined;
  if (chance(0.25)) {
    const all = shuffle([...new Set([...existing, ...names])]);
    // Usually consistent with the patch's order (kubectl rejects otherwise); sometimes not.
    const inPatch = names.filter((n) => all.includes(n));
    const rest = all.filter((n) => !inPatch.includes(n));
    const merged = chance(0.85) ? interleave(inPatch, rest) : all;
    order = merged.filter(() => chance(0.9)).map((n) => ({ [key]: n }));
  }
  return order ? { list, order } : { list };
}
function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && chance(0.5))) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function randomPatch(): JsonMap {
  const patch: JsonMap = {};
  const meta: JsonMap = {};
  if (chance(0.4)) meta.labels = { team: pick(["a", "b"]), "hub.jupyter.org/username": chance(0.5) ? null : "bob" };
  if (chance(0.5)) {
    const fins = ["example.com/keep", "example.com/audit", "example.com/x", "example.com/y", "example.com/z"];
    meta.finalizers = some(fins, 0.4);
    // A value both added and deleted gives kubectl's result by Go map order (random); keep them apart.
    if (chance(0.3)) meta["$deleteFromPrimitiveList/finalizers"] = some(["example.com/keep", "example.com/audit", "example.com/q"], 0.5).filter((f) => !(meta.finalizers as string[]).includes(f));
    if (chance(0.2)) meta["$setElementOrder/finalizers"] = shuffle([...new Set([...fins.slice(0, 2), ...(meta.finalizers as string[])])]);
  }
  if (Object.keys(meta).length) patch.metadata = meta;
  const spec: JsonMap = {};
  if (chance(0.8)) {
    const c = keyedList("name", ["notebook", "sidecar"], ["proxy", "logger"], (n) => {
      const body: JsonMap = {};
      if (chance(0.5)) body.image = `${n}:${Math.floor(rnd() * 9)}`;
      if (chance(0.5)) {
        const env = keyedList("name", ["JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", "MEM_LIMIT"], ["A", "B", "C"], () => (chance(0.8) ? { value: pick(["1", "2"]) } : { value: null }));
        body.env = env.list;
        if (env.order) body["$setElementOrder/env"] = env.order;
      }
      if (chance(0.2)) body.volumeMounts = keyedList("mountPath", ["/home/jovyan", "/dev/shm"], ["/data"], () => ({ name: "v" })).list;
      if (chance(0.15)) body.command = null;
      return body;
    });
    spec.containers = c.list;
    if (c.order) spec["$setElementOrder/containers"] = c.order;
  }
  if (chance(0.3)) {
    spec.volumes = keyedList("name", ["home", "shm"], ["data"], (n): JsonMap =>
      chance(0.4) ? { $retainKeys: ["name", "configMap"], configMap: { name: n } } : { emptyDir: {} },
    ).list;
  }
  if (chance(0.2)) spec.tolerations = [{ key: pick(["a", "b"]), operator: "Exists" }];
  if (chance(0.2)) spec.imagePullSecrets = keyedList("name", ["registry-a", "registry-b"], ["registry-c"], () => ({})).list;
  if (chance(0.2)) spec.hostAliases = keyedList("ip", ["10.0.0.1", "10.0.0.2"], ["10.0.0.9"], () => ({ hostnames: ["h"] })).list;
  if (Object.keys(spec).length) patch.spec = spec;
  return patch;
}

function randomValue(depth: number): Json {
  const r = rnd();
  if (depth > 2 || r < 0.35) return pick(["x", "1", 1, true, null, "y"]);
  if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 3) }, () => randomValue(depth + 1));
  const m: JsonMap = {};
  for (const k of some(["a", "b", "c", "labels", "size"], 0.4)) m[k] = randomValue(depth + 1);
  return m;
}

function randomMergePatch(): JsonMap {
  const spec: JsonMap = {};
  for (const k of some(["size", "items", "options", "extra"], 0.6)) spec[k] = randomValue(1);
  if (chance(0.3) && spec.options === undefined) spec.options = { color: chance(0.5) ? null : "blue", shape: randomValue(2) };
  const patch: JsonMap = { spec };
  if (chance(0.3)) patch.metadata = { labels: { a: chance(0.5) ? null : "b" } };
  return patch;
}

/** Paths into the Pod: real ones, missing ones, list ends, negative indices, escapes. */
function randomPointer(): string {
  return pick([
    "/metadata/labels/team",
    "/metadata/labels/hub.jupyter.org~1username",
    "/metadata/annotations/x",
    "/metadata/finalizers/0",
    "/metadata/finalizers/-",
    "/metadata/finalizers/2",
    "/metadata/finalizers/-1",
    "/metadata/finalizers/-3",
    "/spec/containers/0/image",
    "/spec/containers/1",
    "/spec/containers/-",
    "/spec/containers/0/env/1/value",
    "/spec/containers/0/env/-",
    "/spec/containers/5/image",
    "/spec/nodeSelector/pool",
    "/spec/nope/deeper",
    "/spec/tolerations/0",
    "/spec/tolerations/01",
    "/spec/hostname",
    "/spec/containers/0/env/x",
  ]);
}

function randomJsonPatch(): Json[] {
  return Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
    const op = pick(["add", "remove", "replace", "move", "copy", "test"]);
    const o: JsonMap = { op, path: randomPointer() };
    if (op === "move" || op === "copy") o.from = randomPointer();
    if (op === "test") o.value = pick(["notebook", "users", "example.com/keep", null, "x"]);
    else if (op !== "remove" && op !== "move" && op !== "copy") o.value = randomValue(2);
    return o;
  });
}

function kubectl(dir: string): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    const p = spawn("/usr/bin/kubectl", ["patch", "--local", "-f", join(dir, "o.yaml"), "--type", TYPE, "--patch-file", join(dir, "p.yaml"), "-o", "json"], {
      env: { ...process.env, KUBECONFIG: "/dev/null" },
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d));
    p.stderr.on("data", (d: Buffer) => (err += d));
    p.on("close", (code) => resolve({ out: code === 0 ? out : err, code: code ?? 1 }));
  });
}

/** The path of the first place two JSON values differ, with both values there. */
function firstDifference(a: Json, b: Json, path: string): string {
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return firstDifference(a[i]!, b[i]!, `${path}[${i}]`);
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!jsonEqual(a[k], b[k])) return firstDifference(a[k] ?? null, b[k] ?? null, `${path}.${k}`);
    }
  }
  return `${path}: kubectl ${JSON.stringify(a)} vs ours ${JSON.stringify(b)}`;
}

const OBJECT_YAML = TYPE === "merge" ? WIDGET : POD;
const object = parseKubectlYaml(OBJECT_YAML, "object");
const root = mkdtempSync(join(tmpdir(), "mcks-fuzz-"));
let failures = 0;
let kubectlErrors = 0;
const patches: Json[] = Array.from({ length: N }, () => (TYPE === "json" ? randomJsonPatch() : TYPE === "merge" ? randomMergePatch() : randomPatch()));
let next = 0;
async function worker(): Promise<void> {
  while (next < patches.length) {
    const i = next++;
    const patch = patches[i]!;
    const dir = join(root, String(i));
    mkdirSync(dir);
    writeFileSync(join(dir, "o.yaml"), OBJECT_YAML);
    writeFileSync(join(dir, "p.yaml"), JSON.stringify(patch));
    const k = await kubectl(dir);
    let ours: Json | Error;
    try {
      ours = patchObject(object, patch, TYPE) as Json;
    } catch (e) {
      ours = e as Error;
    }
    if (k.code !== 0) kubectlErrors++;
    const same = k.code !== 0 ? ours instanceof Error : !(ours instanceof Error) && jsonEqual(ours, JSON.parse(k.out) as Json);
    if (!same) {
      failures++;
      process.stdout.write(`--- case ${i} differs\npatch:\n${stringify(patch)}kubectl: ${k.code !== 0 ? k.out : "(ok)"}\nours: ${ours instanceof Error ? ours.message : "(ok)"}\n`);
      if (k.code === 0 && !(ours instanceof Error)) {
        process.stdout.write(`first difference at ${firstDifference(JSON.parse(k.out) as Json, ours, "")}\n`);
      }
    }
  }
}
await Promise.all([worker(), worker(), worker(), worker()]);
rmSync(root, { recursive: true, force: true });
process.stdout.write(`${N} random patches: ${failures} differ from kubectl (${kubectlErrors} were kubectl errors)\n`);
process.exitCode = failures ? 1 : 0;
