import type { ResolvedConfig, ResolvedProfile } from "../config/resolve.ts";
import { extraKinds, uniqueKinds, type KindRef } from "../objects/kinds.ts";
import { probeSpawn, type Spawn } from "../profile/resolve-spawn.ts";
import { renderSources } from "../render/index.ts";
import { homeClaim } from "../render/storage.ts";

const PROBE_USER = { name: "mcks-kind-probe" };
const NAMESPACE: KindRef = { apiVersion: "v1", kind: "Namespace" };

/** The option choices to probe a profile with: none (its defaults), then each listed choice on its own. */
function choiceSets(profile: ResolvedProfile): Record<string, string>[] {
  const each = Object.entries(profile.options).flatMap(([option, o]) => Object.keys(o.choices).map((choice) => ({ [option]: choice })));
  return [{}, ...each];
}

/**
 * The kinds, besides SERVER_KINDS (objects/kinds.ts), that a config's servers may own: its
 * operator resources (a DaskCluster…), the `storage` setting's claim and the namespace it creates. Stop and startup recovery
 * must look for these kinds too, or a server's extra objects would be orphaned.
 *
 * A resource's kind is only known once its template or function has run, so every profile
 * (whoever its `allowed` filter admits) is resolved for a probe user with each listed option
 * choice, and each of its resource sources is rendered on its own; a source that cannot
 * render for the probe (a template reading the user's groups) is passed over. Each server's
 * record also keeps the kinds it really applied, so a kind missed here is still cleaned
 * while the daemon that started the server runs.
 */
export function operatorKinds(config: ResolvedConfig): KindRef[] {
  const found: KindRef[][] = [];
  if ([...config.clusters.values()].some((c) => c.createNamespace)) found.push([NAMESPACE]);
  for (const profile of config.profiles) {
    for (const options of choiceSets(profile)) {
      let spawn: Spawn;
      try {
        spawn = probeSpawn(config, profile, { user: PROBE_USER, server: "", options });
      } catch {
        continue; // a namespace template the probe user cannot fill, say
      }
      // The `storage` setting's claim outlives a stop, so a later delete must look for it.
      const claim = homeClaim(spawn);
      if (claim) found.push(extraKinds([claim]));
      for (const source of spawn.resources) {
        try {
          found.push(extraKinds(renderSources(spawn.ctx, [source], "resource").flatMap((r) => r.objects)));
        } catch {
          // This source's kinds are learnt when a real server of it starts.
        }
      }
    }
  }
  return uniqueKinds(...found);
}
