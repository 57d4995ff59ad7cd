/** `npm run testbed -- status`: each recorded process, alive or not, its memory, CPU time and probes. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureTokens } from "./certs.ts";
import { probeApiserver, probeEtcd, probeHealthz } from "./health.ts";
import * as L from "./layout.ts";
import { cpuSeconds, isOurs, rssMiB } from "./processes.ts";
import { readClusters, readPids } from "./state.ts";

export interface StatusLine {
  readonly key: string;
  readonly pid: number;
  readonly running: boolean;
  readonly rssMiB: number | undefined;
  readonly cpuSeconds: number | undefined;
  readonly health: string;
}

export async function status(): Promise<{ healthy: boolean; lines: StatusLine[]; totalRssMiB: number; totalCpuSeconds: number }> {
  const pids = readPids();
  const clusters = readClusters();
  const ca = join(L.pkiDir, "ca.crt");
  const lines: StatusLine[] = [];
  for (const [key, rec] of Object.entries(pids)) {
    const running = isOurs(rec);
    let health = running ? "running" : "not running";
    if (running && key === "etcd") health = (await probeEtcd(L.etcdClientPort)).detail;
    const m = /^apiserver-(\d+)$/.exec(key);
    if (running && m && existsSync(ca)) {
      const i = Number(m[1]);
      const c = clusters?.clusters.find((x) => x.index === i);
      const p = await probeApiserver(c?.apiserverUrl ?? `https://127.0.0.1:${L.apiserverPort(i)}`, ca, ensureTokens(i).admin);
      health = `readyz ${p.detail}`;
    }
    const component = /^(scheduler|controller-manager)-(\d+)$/.exec(key);
    if (running && component) {
      const i = Number(component[2]);
      const p = await probeHealthz(component[1] === "scheduler" ? L.schedulerPort(i) : L.controllerManagerPort(i));
      health = `healthz ${p.detail}`;
    }
    lines.push({ key, pid: rec.pid, running, rssMiB: running ? rssMiB(rec.pid) : undefined, cpuSeconds: running ? cpuSeconds(rec.pid) : undefined, health });
  }
  const healthy = lines.length > 0 && lines.every((l) => l.running && !/^(readyz|healthz) (?!200)/.test(l.health) && !/unhealthy|false/.test(l.health));
  const totalRssMiB = lines.reduce((s, l) => s + (l.rssMiB ?? 0), 0);
  const totalCpuSeconds = lines.reduce((s, l) => s + (l.cpuSeconds ?? 0), 0);
  return { healthy, lines, totalRssMiB, totalCpuSeconds };
}
