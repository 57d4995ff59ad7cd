/**
 * docs/grafana-dashboard.json queries only metrics the daemon exports, with labels they have,
 * so the sample dashboard cannot drift from src/serve/metrics.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createMetrics } from "../../src/serve/metrics.ts";

interface Panel {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, "../../docs/grafana-dashboard.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: { definition: string }[] };
};

/** Labels Prometheus adds to every scraped series, and the histogram's own. */
const ADDED = new Set(["job", "instance", "le"]);

test("the sample dashboard uses only metrics and labels mcks exports", async () => {
  const m = createMetrics({ servers: () => [], clusters: () => ({}) }, "test");
  m.spawned({ cluster: "c", profile: "p", outcome: "failure", seconds: 1, reason: "X" });
  m.kube.request("c", "GET", "200", 0.1);
  m.kube.watchRestart("c", "pods", "error");
  await m.instrument(new Map([["health", () => ({})]])).get("health")!({}, {} as never);
  const labels = new Map<string, Set<string>>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    const set = new Set<string>();
    for (const v of (metric as unknown as { values: { labels: Record<string, unknown> }[] }).values) for (const l of Object.keys(v.labels)) set.add(l);
    labels.set(metric.name, set);
  }
  // Label names a declared metric has even with no series yet.
  labels.get("mcks_servers")?.add("cluster").add("phase");
  labels.get("mcks_cluster_reachable")?.add("cluster");
  labels.get("mcks_cluster_last_seen_timestamp_seconds")?.add("cluster");

  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
    ...dashboard.templating.list.map((v) => ({ where: "variable", expr: v.definition })),
  ];
  assert.ok(exprs.length >= 15);
  let checked = 0;
  for (const { where, expr } of exprs) {
    for (const [, name, selector] of expr.matchAll(/\b((?:mcks|process|nodejs)_[a-z0-9_]+)(\{[^}]*\})?/g)) {
      const base = name!.replace(/_(bucket|count|sum)$/, "");
      const known = labels.get(name!) ?? labels.get(base);
      assert.ok(known, `${where}: ${name} is not a metric of mcks`);
      for (const [, label] of (selector ?? "").matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
        assert.ok(ADDED.has(label!) || known.has(label!), `${where}: ${name} has no label ${label}`);
      }
      checked++;
    }
    for (const [, by] of expr.matchAll(/by \(([^)]*)\)/g)) {
      for (const label of by!.split(",").map((s) => s.trim())) {
        const metric = /\b((?:mcks|process|nodejs)_[a-z0-9_]+)/.exec(expr)![1]!;
        const known = labels.get(metric) ?? labels.get(metric.replace(/_(bucket|count|sum)$/, ""));
        assert.ok(ADDED.has(label) || known?.has(label), `${where}: grouped by ${label}, which ${metric} does not have`);
      }
    }
  }
  assert.ok(checked >= exprs.length);
});
