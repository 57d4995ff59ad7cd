/**
 * Upstream vs. ours, paired: upstream's own code (jupyterhub-multicluster-kubespawner 0.2 from
 * PyPI, bench/.venv) timed in-process by bench/upstream/worker.py — its Jinja2 render, one
 * `kubectl patch --local` process per patch, its container augmentation, exactly as its start()
 * runs them before `kubectl apply` — against ours (bench/render-patch.ts: resolve → render →
 * patch → preApply) on the same profile (image, CPU limit 1, 256M/64M memory) and the same
 * patches. For 0, 2 (the upstream README's two) and 10 patches, interleaved A B A B: each round
 * times upstream, then ours, and the round's ratio is upstream's ms per user / ours.
 *
 *   node bench/upstream.ts [--rounds 7]     prints the table and, last, one JSON line
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { UPSTREAM_MEMORY_PATCH_AS_MEANT, UPSTREAM_PATCHES } from "../test/fixtures/upstream-examples.ts";
import { pairedStats, type PairedStats } from "./paired.ts";
import { ourPlanner, type PlannedPod } from "./render-patch.ts";

const root = join(import.meta.dirname, "..");

/** An annotation patch shaped like the README's 01-annotations, with its own annotation. */
const annotationPatch = (n: number): string => `
    kind: Pod
    metadata:
        name: {{key}}
        annotations:
            bench-${n}: value-${n}
    `;

/** 0, the README's 2, and 10 (the README's 2, its memory patch as meant, 7 annotation patches). */
export const PATCH_SETS: Readonly<Record<"P0" | "P2" | "P10", Readonly<Record<string, string>>>> = {
  P0: {},
  P2: UPSTREAM_PATCHES,
  P10: {
    ...UPSTREAM_PATCHES,
    "03-memory": UPSTREAM_MEMORY_PATCH_AS_MEANT,
    ...Object.fromEntries(Array.from({ length: 7 }, (_, k) => [`${String(k + 4).padStart(2, "0")}-annotation`, annotationPatch(k + 4)])),
  },
};
type SetName = keyof typeof PATCH_SETS;

/** Users per timed sample: enough that a sample lasts ~0.2–1 s on each side. */
const USERS: Record<SetName, { upstream: number; ours: number }> = {
  P0: { upstream: 100, ours: 500 },
  P2: { upstream: 4, ours: 500 },
  P10: { upstream: 1, ours: 300 },
};

/** Upstream's profile: the same settings as the burst profile's defaults (bench/burst-config.ts). */
const UPSTREAM_PROFILE = {
  display_name: "bench",
  slug: "bench",
  default: true,
  spawner_override: { image: "testbed/singleuser:latest", cpu_limit: 1, mem_limit: "256M", mem_guarantee: "64M" },
};

export interface UpstreamResult {
  readonly rounds: number;
  readonly sets: Record<SetName, PairedStats & { upstreamMsPerUser: number; oursUsPerUser: number; patches: number }>;
  readonly loadStart: number;
  readonly loadEnd: number;
}

/** Makes bench/.venv (idempotent) and returns its python. */
export function benchPython(): string {
  const r = spawnSync("bash", [join(root, "bench/venv.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
  if (r.status !== 0) throw new Error(`bench/venv.sh failed (exit ${r.status ?? r.signal}): upstream's spawner and KubeSpawner are needed`);
  return join(r.stdout.trim().split("\n").at(-1)!, "bin/python");
}

interface Worker {
  run(patches: Readonly<Record<string, string>>, users: number): Promise<{ ms: number; pod: PlannedPod }>;
  close(): void;
}

function startWorker(python: string, dir: string): Worker {
  // kubectl patch --local reads a kubeconfig even though it contacts no cluster: give it an empty one.
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
  const child = spawn(python, [join(root, "bench/upstream/worker.py")], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", KUBECONFIG: kubeconfig, HOME: dir }, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async run(patches, users) {
      child.stdin!.write(`${JSON.stringify({ patches, users, profile: UPSTREAM_PROFILE })}\n`);
      const next = await lines.next();
      if (next.done) throw new Error(`upstream's worker exited (${child.exitCode ?? child.signalCode})`);
      return JSON.parse(next.value) as { ms: number; pod: PlannedPod };
    },
    close: () => child.kill(),
  };
}

/** The patches must have landed on both sides, or the comparison means nothing. */
function checkPatched(set: SetName, side: string, pod: PlannedPod): void {
  const c = pod.spec.containers.find((x) => x.name === "notebook");
  const a = pod.metadata.annotations ?? {};
  const want: [string, boolean][] = set === "P0" ? [["no annotation", a["something-else"] === undefined]] : [["annotation something-else", a["something-else"] === "hey"], ["nvidia.com/gpu limit", c?.resources?.limits?.["nvidia.com/gpu"] !== undefined]];
  if (set === "P10") want.push(["memory request 16Mi", c?.resources?.requests?.memory === "16Mi"], ["annotation bench-10", a["bench-10"] === "value-10"]);
  const missing = want.filter(([, ok]) => !ok).map(([w]) => w);
  if (missing.length > 0) throw new Error(`${side}, ${set}: the patches did not land (${missing.join(", ")}): ${JSON.stringify(pod)}`);
}

export async function upstreamPaired(rounds: number, log: (m: string) => void): Promise<UpstreamResult> {
  const loadStart = loadavg()[0]!;
  const python = benchPython();
  const dir = mkdtempSync(join(tmpdir(), "mcks-bench-upstream-"));
  const worker = startWorker(python, dir);
  const planners = Object.fromEntries(await Promise.all((Object.keys(PATCH_SETS) as SetName[]).map(async (s) => [s, await ourPlanner(PATCH_SETS[s])] as const))) as Record<SetName, Awaited<ReturnType<typeof ourPlanner>>>;
  try {
    const samples: Record<SetName, { up: number[]; ours: number[] }> = { P0: { up: [], ours: [] }, P2: { up: [], ours: [] }, P10: { up: [], ours: [] } };
    // Round 0 warms both up (imports, JIT, kubectl in the page cache) and checks the results.
    for (let round = 0; round <= rounds; round++) {
      for (const set of Object.keys(PATCH_SETS) as SetName[]) {
        const up = await worker.run(PATCH_SETS[set], USERS[set].upstream);
        const oursMs = await planners[set].msPerUser(USERS[set].ours);
        if (round === 0) {
          checkPatched(set, "upstream", up.pod);
          checkPatched(set, "ours", await planners[set].plan(0));
          continue;
        }
        samples[set].up.push(up.ms / USERS[set].upstream);
        samples[set].ours.push(oursMs);
      }
      if (round > 0) log(`round ${round}/${rounds}: ${(Object.keys(samples) as SetName[]).map((s) => `${s} ${Math.round(samples[s].up.at(-1)! / samples[s].ours.at(-1)!)}×`).join(", ")}`);
    }
    const sets = Object.fromEntries(
      (Object.keys(samples) as SetName[]).map((s) => {
        const { up, ours } = samples[s];
        const stats = pairedStats(up, ours);
        const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        return [s, { ...stats, upstreamMsPerUser: Number(med(up).toFixed(2)), oursUsPerUser: Number((med(ours) * 1000).toFixed(1)), patches: Object.keys(PATCH_SETS[s]).length }];
      }),
    ) as UpstreamResult["sets"];
    return { rounds, sets, loadStart, loadEnd: loadavg()[0]! };
  } finally {
    worker.close();
    for (const p of Object.values(planners)) p.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "7" } } });
  const r = await upstreamPaired(Number(values.rounds), (m) => process.stderr.write(`[upstream] ${m}\n`));
  for (const [s, x] of Object.entries(r.sets)) console.log(`${s} (${x.patches} patches): upstream ${x.upstreamMsPerUser} ms, ours ${x.oursUsPerUser} µs per user → ${x.median}× (pairs ${x.min}–${x.max}×)`);
  console.log(`load average ${r.loadStart.toFixed(1)} → ${r.loadEnd.toFixed(1)}`);
  console.log(JSON.stringify(r));
}
