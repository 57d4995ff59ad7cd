import http from "node:http";
import https from "node:https";
import type { Plugin } from "../../config/types.ts";
import { builtinPlugin } from "./order.ts";

/**
 * The built-in readiness check: the server is ready when its route answers through the
 * cluster's ingress. Ingress controllers pick up new routes with a delay (seconds for some),
 * and until then answer 404 or 503 themselves; a 5xx or 404 therefore means "not yet".
 */
export interface RouteCheck {
  /** Public URL of the server: ingress URL + the hub's prefix. */
  readonly url: string;
  readonly signal: AbortSignal;
  /** Called after each failed try (for progress messages). */
  readonly onRetry?: (attempt: number, last: string) => void;
}

/** What counts as the route answering (also what bench/ready-to-url.ts probes for). */
export function routeAnswered(status: number): boolean {
  return status < 500 && status !== 404;
}

/**
 * One keep-alive pool per scheme for every start's probes: they all go to a few ingress
 * addresses, so connections are reused instead of opened per probe. Plain node:http, not
 * fetch: undici's request, stream and abort machinery made the probes the largest share of the
 * daemon's CPU per start (bench/burst.ts profile).
 */
const AGENTS: Readonly<Record<string, http.Agent>> = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 16 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 16 }),
};
const PROBE_TIMEOUT_MS = 5000;

/** The HTTP status of one GET of `target`; its body is discarded, so the connection is reused. */
function probe(target: URL, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const lib = target.protocol === "https:" ? https : http;
    const req = lib.request(target, { method: "GET", agent: AGENTS[target.protocol], signal }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

async function waitForRoute({ url, signal, onRetry }: RouteCheck): Promise<void> {
  const target = new URL("api", url.endsWith("/") ? url : `${url}/`);
  let delay = 50;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    let last: string;
    try {
      const status = await probe(target, signal);
      if (routeAnswered(status)) return;
      last = `HTTP ${status}`;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      last = err instanceof Error ? err.message : String(err);
    }
    onRetry?.(attempt, last);
    await new Promise<void>((resolve, reject) => {
      // The listener goes when the wait ends: left on a long-lived signal, every retry's
      // closure would stay reachable until the start's signal is dropped.
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal.reason);
      };
      const t = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    // Capped low: each try is one cheap GET, and the gap between the route answering and the
    // next try is time the user waits for nothing (bench/ready-to-url.ts measures it).
    delay = Math.min(delay * 2, 250);
  }
}

/** The route check as a readiness plugin (`enforce: "pre"`: it comes before every other check). */
export function routeCheck(onRetry?: RouteCheck["onRetry"]): Plugin {
  return builtinPlugin({
    name: "mcks:route",
    enforce: "pre",
    readiness: ({ url, signal }) => waitForRoute({ url, signal, ...(onRetry ? { onRetry } : {}) }),
  });
}
