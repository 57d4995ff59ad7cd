/**
 * The KubeSpawner oracle: the Pod `mcks dry-run` prints next to the Pod KubeSpawner 7.1.0's own
 * builder makes (kubespawner_pods.py, in the hub's venv), both normalised, then compared whole.
 *
 * What normalising does, and the differences that are by design (listed once, here):
 *  - representation only: empty maps and lists are dropped (KubeSpawner writes `lifecycle: {}`,
 *    `volumes: []`…, which the API server treats as absent); resource quantities become numbers
 *    (KubeSpawner writes `cpu: 2.0`, `memory: 4294967296`; mcks `"2"`, `4Gi`; the API server
 *    canonicalises both the same);
 *  - names (by design): the Pod's name and namespace are dropped (mcks: jupyter-<user>[--<server>]);
 *    KubeSpawner's z2jh home volume "volume-<user>" and claim "claim-<user>" are renamed to
 *    mcks's "home" and "<key>-home";
 *  - labels and annotations (by design): each side's own are dropped (KubeSpawner's app, heritage,
 *    component…, its version annotations; mcks's contract labels of README "Labels"); the
 *    operator's extraLabels / extraAnnotations are compared;
 *  - env (by design): the hub's variables differ (JupyterHub's own vs the dry-run's
 *    placeholders, the API token in a Secret); JUPYTERHUB_* and JPY_* are dropped except
 *    JUPYTERHUB_DEFAULT_URL, and the rest is compared by name (mcks appends the derived
 *    variables; KubeSpawner sorts all by name); MEM_/CPU_ follow the container's final resources
 *    in mcks, mem_limit/cpu_limit in KubeSpawner: a case where another setting changes the
 *    container's memory or CPU says which value mcks gives (`mcksEnv`);
 *  - the order of volumes and volumeMounts (by design, where the home volume goes): compared
 *    sorted by name / mount path, as Kubernetes keys them;
 *  - ServiceAccount (by design): mcks creates one per server by default; the cases set
 *    `serviceAccount: false`, KubeSpawner's default (and test serviceAccountName);
 *  - the home claim (by design): its spec is compared; KubeSpawner's labels and its deprecated
 *    `volume.beta.kubernetes.io/storage-class` annotation are not written by mcks.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseQuantity } from "../../src/config/kube-quantity.ts";
import { isObj } from "../../src/objects/plain-data.ts";

const ROOT = join(import.meta.dirname, "../..");
const PYTHON = join(ROOT, "hub/.venv/bin/python");
const run = promisify(execFile);

type Obj = Record<string, unknown>;

export interface KubeSpawnerCase {
  readonly id: string;
  readonly user?: string;
  readonly server?: string;
  /** c.KubeSpawner.<trait> */
  readonly kubespawner?: Obj;
  /** c.Spawner.<trait> */
  readonly spawner?: Obj;
  readonly user_options?: Obj;
  /** A z2jh values tree, chart defaults merged in (turned into traits as the chart does). */
  readonly z2jh?: unknown;
}

export interface KubeSpawnerResult {
  readonly pod: Obj;
  readonly pvc: Obj | null;
  readonly start_timeout: number;
}

/** KubeSpawner's pods for every case, in one Python process. Fails loudly without the venv. */
export function kubeSpawnerPods(cases: readonly KubeSpawnerCase[]): Record<string, KubeSpawnerResult> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash test/setup/hub-venv.sh (test/run.ts does)`);
  const r = spawnSync(PYTHON, [join(import.meta.dirname, "kubespawner_pods.py")], { input: JSON.stringify({ cases }), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubespawner_pods.py failed (exit ${r.status}):\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, KubeSpawnerResult | { error: string }>;
  for (const [id, v] of Object.entries(out)) if ("error" in v) throw new Error(`KubeSpawner could not build case ${id}: ${v.error}`);
  return out as Record<string, KubeSpawnerResult>;
}

/** Runs mcks with `args`: the built binary when the suite gives one (or dist/ has it), else the sources. */
export function mcks(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = process.env.MCKS_BIN ?? (existsSync(join(ROOT, "dist/mcks")) ? join(ROOT, "dist/mcks") : undefined);
  const [cmd, head] = bin ? [bin, []] : [process.execPath, [join(ROOT, "src/main.ts")]];
  return run(cmd, [...head, ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** `mcks dry-run -c <config> … -o json`: the printed objects. */
export async function dryRun(config: string, args: readonly string[]): Promise<Obj[]> {
  const { stdout } = await mcks(["dry-run", "-c", config, "-o", "json", ...args]);
  const parsed = JSON.parse(stdout) as unknown;
  return (Array.isArray(parsed) ? parsed : isObj(parsed) && Array.isArray(parsed.items) ? parsed.items : [parsed]) as Obj[];
}

/** The header line of a YAML dry-run (it says the start timeout the start would use). */
export async function dryRunHeader(config: string, args: readonly string[]): Promise<string> {
  const { stdout } = await mcks(["dry-run", "-c", config, ...args]);
  return stdout.split("\n")[0] ?? "";
}

/** Runs `tasks` two at a time (the machine has two cores). */
export async function inPairs<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

const KUBESPAWNER_LABELS = ["hub.jupyter.org/username", "hub.jupyter.org/servername", "app.kubernetes.io/name", "app.kubernetes.io/managed-by", "app", "heritage", "app.kubernetes.io/component", "component"];
const MCKS_LABELS = ["app.kubernetes.io/managed-by", "hub.jupyter.org/username", "hub.jupyter.org/servername", "mcks.hub.jupyter.org/key", "mcks.hub.jupyter.org/lifetime", "component"];
const KUBESPAWNER_ANNOTATIONS = ["hub.jupyter.org/username", "hub.jupyter.org/kubespawner-version", "hub.jupyter.org/jupyterhub-version"];
const MCKS_ANNOTATIONS = ["hub.jupyter.org/username", "hub.jupyter.org/servername"];

function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(dropEmpty).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (isObj(v)) {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, dropEmpty(x)] as const)
      .filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return v === null ? undefined : v;
}

function quantities(map: unknown): unknown {
  if (!isObj(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, parseQuantity(v) ?? v]));
}

function container(c: unknown): unknown {
  if (!isObj(c)) return c;
  const out: Obj = { ...c };
  if (isObj(out.resources)) out.resources = { limits: quantities(out.resources.limits), requests: quantities(out.resources.requests) };
  if (Array.isArray(out.env)) {
    out.env = out.env
      .filter((e) => isObj(e) && typeof e.name === "string" && (e.name === "JUPYTERHUB_DEFAULT_URL" || !/^(JUPYTERHUB_|JPY_)/.test(e.name)))
      .sort((a, b) => String((a as Obj).name).localeCompare(String((b as Obj).name)));
  }
  if (Array.isArray(out.volumeMounts)) out.volumeMounts = [...out.volumeMounts].sort((a, b) => `${(a as Obj).mountPath}`.localeCompare(`${(b as Obj).mountPath}`));
  return out;
}

/** KubeSpawner's z2jh names for the home volume → mcks's. */
export interface HomeNames {
  readonly volume: string;
  readonly claim: string;
  readonly key: string;
}

function renameHome(v: unknown, names: HomeNames): unknown {
  const text = JSON.stringify(v)
    .replaceAll(`"name":"${names.volume}"`, '"name":"home"')
    .replaceAll(`"claimName":"${names.claim}"`, `"claimName":"${names.key}-home"`);
  return JSON.parse(text);
}

/** A Pod reduced to what the settings control (see the comment at the top). */
export function normalizePod(pod: Obj, side: "kubespawner" | "mcks", home?: HomeNames): Obj {
  const renamed = (side === "kubespawner" && home ? renameHome(pod, home) : pod) as Obj;
  const meta = isObj(renamed.metadata) ? renamed.metadata : {};
  const own = side === "mcks" ? [MCKS_LABELS, MCKS_ANNOTATIONS] : [KUBESPAWNER_LABELS, KUBESPAWNER_ANNOTATIONS];
  const without = (m: unknown, keys: readonly string[]) => (isObj(m) ? Object.fromEntries(Object.entries(m).filter(([k]) => !keys.includes(k))) : undefined);
  const spec = isObj(renamed.spec) ? { ...renamed.spec } : {};
  if (Array.isArray(spec.containers)) spec.containers = spec.containers.map(container);
  if (Array.isArray(spec.initContainers)) spec.initContainers = spec.initContainers.map(container);
  if (Array.isArray(spec.volumes)) spec.volumes = [...spec.volumes].sort((a, b) => `${(a as Obj).name}`.localeCompare(`${(b as Obj).name}`));
  return dropEmpty({
    apiVersion: renamed.apiVersion,
    kind: renamed.kind,
    metadata: { labels: without(meta.labels, own[0] as string[]), annotations: without(meta.annotations, own[1] as string[]) },
    spec,
  }) as Obj;
}

/** A home claim reduced to its spec, quantities as numbers. */
export function normalizeClaim(pvc: Obj | undefined | null): unknown {
  if (!pvc || !isObj(pvc.spec)) return undefined;
  const spec = { ...pvc.spec };
  if (isObj(spec.resources)) spec.resources = { requests: quantities(spec.resources.requests) };
  return dropEmpty(spec);
}
