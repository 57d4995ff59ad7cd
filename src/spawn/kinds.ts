import type { ResolvedConfig } from "../config/resolve.ts";
import { extraKinds, uniqueKinds, type KindRef } from "../objects/kinds.ts";
import { resolveSpawn } from "../profile/resolve-spawn.ts";
import { renderServer } from "../render/index.ts";

/**
 * The kinds of operator resources the config can create (a Role, a DaskCluster…), found by
 * rendering every profile once for a probe user. Stop and startup recovery must look for
 * these kinds too, or a server's extra objects would be orphaned. Each server's record also
 * keeps the kinds it really applied, so a choice-specific kind missed here is still cleaned.
 */
export function operatorKinds(config: ResolvedConfig): KindRef[] {
  const found: KindRef[][] = [];
  for (const profile of config.profiles) {
    try {
      const spawn = resolveSpawn(config, { user: { name: "mcks-kind-probe" }, server: "", profile: profile.slug });
      found.push(extraKinds(renderServer(spawn).list()));
    } catch {
      // A profile that cannot render for the probe user (an allowed() filter, a template
      // using a group) contributes its kinds when a real server of it starts.
    }
  }
  return uniqueKinds(...found);
}
