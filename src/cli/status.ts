import { command, oneOf, option, string } from "cmd-ts";
import { connect } from "../rpc/client.ts";
import type { ServersListResult } from "../rpc/protocol.ts";

/** `12s`, `5m`, `3h`, `2d`: the age column, as kubectl prints it. */
export function age(fromIso: string | undefined, now: number): string {
  const t = fromIso ? Date.parse(fromIso) : Number.NaN;
  if (Number.isNaN(t)) return "-";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Columns padded to their widest cell; the last column is not padded (a free-text message). */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

/** What `mcks status` prints: the clusters, then every server. */
export function formatStatus(list: ServersListResult, now = Date.now()): string {
  const clusters = [["CLUSTER", "REACHABLE", "VERSION", "RUNNING", "PENDING", "LAST SEEN", "ERROR"]];
  for (const [name, c] of Object.entries(list.clusters)) {
    clusters.push([
      name,
      c.reachable ? "yes" : `no, for ${age(c.since, now)}`,
      c.version ?? "-",
      String(c.running),
      String(c.pending),
      c.lastSeen ? `${age(c.lastSeen, now)} ago` : "never",
      c.reachable ? "" : (c.error ?? ""),
    ]);
  }
  const servers = [["USER", "SERVER", "PROFILE", "CLUSTER", "NAMESPACE", "PHASE", "NODE", "AGE", "MESSAGE"]];
  for (const s of list.servers) {
    servers.push([s.user || "?", s.server || '""', s.profile || "?", s.cluster || "-", s.namespace || "-", s.phase, s.node ?? "-", age(s.since, now), s.message]);
  }
  const none = list.servers.length === 0 ? "\n(no servers)" : "";
  return `${table(clusters)}\n\n${table(servers)}${none}\n`;
}

export const statusCommand = command({
  name: "status",
  description: "Ask a running `mcks serve` what it knows: every cluster (reachable, version, servers) and every server (user, profile, cluster, phase, node, age, last message)",
  args: {
    socket: option({ long: "socket", type: string, description: "the Unix socket of mcks serve (its --socket)" }),
    output: option({ long: "output", short: "o", type: oneOf(["table", "json"]), defaultValue: () => "table" as const }),
  },
  async handler(a) {
    const client = await connect(a.socket);
    try {
      const list = await client.call("servers.list", {}, { timeoutMs: 30_000 });
      process.stdout.write(a.output === "json" ? `${JSON.stringify(list, null, 2)}\n` : formatStatus(list));
    } finally {
      await client.close();
    }
  },
});
