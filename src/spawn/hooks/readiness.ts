import type { HookLog, Plugin, SpawnContext } from "../../config/types.ts";
import { hookError, orderPlugins } from "./order.ts";

/**
 * Every plugin's `readiness` hook must pass (run in parallel: they are independent checks),
 * after the built-in route check. The first failure aborts the others.
 */
export async function runReadiness(
  plugins: readonly Plugin[],
  ctx: SpawnContext,
  url: string,
  log: HookLog,
  signal: AbortSignal,
): Promise<void> {
  const inner = new AbortController();
  const both = AbortSignal.any([signal, inner.signal]);
  await Promise.all(
    orderPlugins(plugins)
      .filter((p) => p.readiness)
      .map(async (p) => {
        try {
          await p.readiness?.({ ...ctx, url, log, signal: both });
        } catch (err) {
          inner.abort(err);
          throw hookError(p, "readiness", err);
        }
      }),
  );
}
