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

async function waitForRoute({ url, signal, onRetry }: RouteCheck): Promise<void> {
  const target = new URL("api", url.endsWith("/") ? url : `${url}/`).toString();
  let delay = 50;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    let last: string;
    try {
      const res = await fetch(target, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]), redirect: "manual" });
      await res.body?.cancel();
      if (routeAnswered(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
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
