/**
 * A readiness check: the server is only reported ready once `<url><path>` answers with a
 * status below 400 through the cluster's ingress. The built-in readiness already waits for
 * the route to answer at all; this one checks a specific endpoint (e.g. the server's API).
 */
import { definePlugin, type Plugin } from "multicluster-kubespawner";

export interface HttpReadinessOptions {
  /** Path below the server's URL, without a leading slash. Default "api". */
  path?: string;
  /** Give up after this many seconds. Default 60. */
  timeoutSeconds?: number;
  /** A header the answer must carry (e.g. "x-jupyterhub-version"). */
  requireHeader?: string;
}

export function httpReadiness(opts: HttpReadinessOptions = {}): Plugin {
  const path = opts.path ?? "api";
  const timeoutMs = (opts.timeoutSeconds ?? 60) * 1000;
  return definePlugin({
    name: "http-readiness",
    async readiness(ctx) {
      const target = new URL(path, ctx.url.endsWith("/") ? ctx.url : `${ctx.url}/`).toString();
      const deadline = Date.now() + timeoutMs;
      let delay = 100;
      let last = "no answer yet";
      for (;;) {
        ctx.signal.throwIfAborted();
        try {
          const res = await fetch(target, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(5000)]), redirect: "manual" });
          await res.body?.cancel();
          const headerOk = !opts.requireHeader || res.headers.has(opts.requireHeader);
          if (res.status < 400 && headerOk) return;
          last = headerOk ? `HTTP ${res.status}` : `HTTP ${res.status} without ${opts.requireHeader} header`;
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          last = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() + delay > deadline) {
          throw new Error(`${target} did not answer within ${timeoutMs / 1000}s (last: ${last})`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    },
  });
}
