/**
 * Scrapes `mcks serve --metrics-listen` and parses the answer with Python's prometheus_client
 * (the reference parser, in hub/.venv: test/setup/hub-venv.sh), for the metrics test and the
 * cluster-health E2E test. A scrape the parser rejects fails the test.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const PYTHON = join(import.meta.dirname, "../../hub/.venv/bin/python");

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  /** When it was taken (ms). */
  readonly at: number;
  readonly samples: readonly Sample[];
  /** Family name (counters without `_total`, as the parser names them) → type. */
  readonly types: ReadonlyMap<string, string>;
}

/** Where the daemon said it serves its metrics (its log line `metrics at http://…/metrics`). */
export function metricsUrlIn(log: string): string {
  const m = /metrics at (http:\/\/[^\s]+\/metrics)/.exec(log);
  assert.ok(m, `the daemon logs where its metrics are:\n${log}`);
  return m[1]!;
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const py = spawnSync(PYTHON, [join(import.meta.dirname, "prom-parse.py")], { input: text, encoding: "utf8" });
  assert.equal(py.status, 0, `prometheus_client rejected the scrape (or ${PYTHON} is missing: test/setup/hub-venv.sh): ${py.stderr}\n${text}`);
  const parsed = JSON.parse(py.stdout) as { families: { name: string; type: string; samples: Sample[] }[] };
  return { at: Date.now(), samples: parsed.families.flatMap((f) => f.samples), types: new Map(parsed.families.map((f) => [f.name, f.type])) };
}

/** A bucket bound matches by number: `2`, `2.0` and `+Inf` are spelled differently by different writers. */
const labelIs = (k: string, actual: string | undefined, want: string) => actual === want || (k === "le" && actual !== undefined && Number(actual) === Number(want));

/** Sum of the samples named `name` whose labels include `labels` (0 when none). */
export function value(s: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => labelIs(k, x.labels[k], v)))
    .reduce((sum, x) => sum + x.value, 0);
}

/** How much `name` grew from scrape `a` to scrape `b`. */
export const delta = (a: Scrape, b: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number => value(b, name, labels) - value(a, name, labels);
