/** Health probes of the bed's processes: etcd's /health and each API server's /readyz. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface Probe {
  readonly ok: boolean;
  readonly detail: string;
}

function get(url: string, opts: { ca?: string; token?: string }, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      { method: "GET", timeout: timeoutMs, ca: opts.ca ? readFileSync(opts.ca) : undefined, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ ok: res.statusCode === 200, detail: `${res.statusCode} ${body.trim().slice(0, 300)}` }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ ok: false, detail: e.message }));
    req.end();
  });
}

export const probeEtcd = (port: number): Promise<Probe> => get(`http://127.0.0.1:${port}/health`, {}, 2000);

export const probeApiserver = (url: string, ca: string, token: string): Promise<Probe> => get(`${url}/readyz`, { ca, token }, 3000);

/** Polls `probe` until ok; `alive` lets us fail fast when the process died instead of waiting out the timeout. */
export async function waitFor(what: string, probe: () => Promise<Probe>, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Probe = { ok: false, detail: "not probed" };
  while (Date.now() < deadline) {
    last = await probe();
    if (last.ok) return;
    if (!alive()) throw new Error(`${what} exited before it was ready (last probe: ${last.detail})`);
    await sleep(200);
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000} s (last probe: ${last.detail})`);
}
