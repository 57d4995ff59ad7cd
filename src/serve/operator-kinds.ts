import type { ResolvedConfig } from "../config/types.ts";
import type { KindRef } from "../kube/index.ts";
import { SERVER_KINDS } from "../kube/index.ts";
import { resolveSpawn } from "../profile/resolve-spawn.ts";
import { renderServer } from "../render/index.ts";

/**
 * The kinds of operator resources the config can create (a Role, a DaskCluster…), found by
 * rendering every profile once for a probe user. Stop and startup recovery must look for
 * these kinds too, or a server's extra objects would be orphaned. Each server's record also
 * keeps the kinds it really applied, so a choice-specific kind missed here is still cleaned.
 */
export function operatorKinds(config: ResolvedConfig): KindRef[] {
  const builtin = new Set(SERVER_KINDS.map((k) => `${k.apiVersion}/${k.kind}`));
  const found = new Map<string, KindRef>();
  for (const profile of config.profiles) {
    try {
      const spawn = resolveSpawn(config, { user: { name: "mcks-kind-probe" }, server: "", profile: profile.slug });
      for (const o of renderServer(spawn).list()) addKind(found, builtin, o.apiVersion, o.kind);
    } catch {
      // A profile that cannot render for the probe user (an allowed() filter, a template
      // using a group) contributes its kinds when a real server of it starts.
    }
  }
  return [...found.values()];
}

export function addKind(into: Map<string, KindRef>, builtin: ReadonlySet<string>, apiVersion: string | undefined, kind: string): void {
  const id = `${apiVersion ?? "v1"}/${kind}`;
  if (!builtin.has(id) && !into.has(id)) into.set(id, { apiVersion: apiVersion ?? "v1", kind });
}
