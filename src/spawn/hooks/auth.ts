import type { AuthContext, ClusterCredentials, Plugin } from "../../config/types.ts";
import { hookError, orderPlugins } from "./order.ts";

/** `auth` hooks in order; the first that returns credentials wins (null/undefined = "not mine"). */
export async function runAuth(plugins: readonly Plugin[], ctx: AuthContext): Promise<ClusterCredentials | undefined> {
  for (const p of orderPlugins(plugins)) {
    if (!p.auth) continue;
    try {
      const creds = await p.auth(ctx);
      if (creds) return creds;
    } catch (err) {
      throw hookError(p, "auth", err);
    }
  }
  return undefined;
}
