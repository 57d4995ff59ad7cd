/**
 * Counting at the API server, not in mcks: scrapes a kube-apiserver's `/metrics` with the bed's
 * admin token and sums the series the benchmark needs. Counting server-side means a request the
 * daemon forgot to count, or a retry hidden in a client library, still shows.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The series the benchmarks read; the rest of /metrics (megabytes of histograms) is skipped unparsed. */
const WANTED = ["apiserver_request_total", "apiserver_longrunning_requests"];

export function fetchMetrics(url: string, caFile: string, token: string, only: readonly string[] = WANTED): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/metrics`, { ca: readFileSync(caFile), headers: { authorization: `Bearer ${token}` }, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}/metrics answered ${res.statusCode}: ${body.slice(0, 200)}`));
        else resolve(parseMetrics(body, only));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}/metrics timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Prometheus text format, only what kube-apiserver prints: `name{k="v",…} value`. */
export function parseMetrics(text: string, only?: readonly string[]): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (only && !only.some((n) => line.startsWith(n) && (line[n.length] === "{" || line[n.length] === " "))) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export const sum = (samples: readonly Sample[], name: string, keep: (labels: Readonly<Record<string, string>>) => boolean = () => true): number =>
  samples.filter((s) => s.name === name && keep(s.labels)).reduce((a, s) => a + s.value, 0);

/**
 * Requests mcks makes to start and stop a server: apply, delete, and any get/list.
 * Left out, because only the bed's agent and the API server itself make them: events, the
 * pod `status` and `binding` subresources (the fake kubelet), nodes, leases, the API server's
 * own loopback calls made while admitting mcks's objects (`ipaddresses`: the ClusterIP allocator
 * on Service create; `limitranges`/`resourcequotas`: admission plugins' lists), non-resource
 * URLs (`/version` health probes, `/metrics` itself), and WATCH (counted separately as open
 * watches). mcks touches none of these kinds.
 */
export function isMcksRequest(l: Readonly<Record<string, string>>): boolean {
  if (l.verb === "WATCH" || (l.resource ?? "") === "") return false;
  if ((l.subresource ?? "") !== "") return false;
  return !["events", "nodes", "leases", "ipaddresses", "limitranges", "resourcequotas"].includes(l.resource!);
}

/** Open long-running WATCH requests (a gauge) on one API server. */
export const openWatches = (samples: readonly Sample[]): number => sum(samples, "apiserver_longrunning_requests", (l) => l.verb === "WATCH");
