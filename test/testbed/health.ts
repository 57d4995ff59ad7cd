/**
 * Health probes of the bed's processes: etcd's /health, each API server's /readyz, the
 * scheduler's and controller-manager's /healthz, and checks on objects through the API.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface Probe {
  readonly ok: boolean;
  readonly detail: string;
}

function get(url: string, opts: { ca?: string; token?: string; insecure?: boolean }, timeoutMs: number): Promise<Probe & { body: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      {
        method: "GET",
        timeout: timeoutMs,
        ca: opts.ca ? readFileSync(opts.ca) : undefined,
        // The scheduler and controller-manager serve /healthz with a self-signed certificate of their own.
        rejectUnauthorized: !opts.insecure,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ ok: res.statusCode === 200, detail: `${res.statusCode} ${body.trim().slice(0, 300)}`, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ ok: false, detail: e.message, body: "" }));
    req.end();
  });
}

export const probeEtcd = (port: number): Promise<Probe> => get(`http://127.0.0.1:${port}/health`, {}, 2000);

export const probeApiserver = (url: string, ca: string, token: string): Promise<Probe> => get(`${url}/readyz`, { ca, token }, 3000);

/** /healthz of a kube-scheduler or kube-controller-manager on 127.0.0.1:port. */
export const probeHealthz = (port: number): Promise<Probe> => get(`https://127.0.0.1:${port}/healthz`, { insecure: true }, 3000);

/** GET `path` on an API server and judge the JSON answer with `check` (a reason when not yet ok). */
export async function probeApi(url: string, ca: string, token: string, path: string, check: (json: unknown) => string | undefined): Promise<Probe> {
  const r = await get(`${url}${path}`, { ca, token }, 5000);
  if (!r.ok) return r;
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    return { ok: false, detail: `GET ${path}: not JSON` };
  }
  const problem = check(json);
  return { ok: problem === undefined, detail: problem ?? "ok" };
}

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
