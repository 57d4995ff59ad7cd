/**
 * What one config makes mcks do to each kind, as RBAC resources and verbs: the kinds render
 * always makes (objects/kinds.ts SERVER_KINDS), the kinds its resources create and the
 * namespaces it creates (spawn/kinds.ts), the Events it reads. Objects a `preApply` plugin
 * adds are operator code run at start time and cannot be foreseen: grant their kinds yourself.
 */
import type { ResolvedCluster, ResolvedConfig } from "../config/resolve.ts";
import { builtinType, isClusterScoped, SERVER_KINDS, uniqueKinds, type KindRef } from "../objects/kinds.ts";
import { operatorKinds } from "../spawn/kinds.ts";
import { EVENT_VERBS, verbsFor, type ResourceUse } from "./rules.ts";

/** A kind as an RBAC resource; a custom kind's plural is guessed as kubectl users would write it. */
function resourceOf(k: KindRef): { group: string; resource: string; namespaced: boolean; guessed: boolean } {
  const group = k.apiVersion.includes("/") ? k.apiVersion.slice(0, k.apiVersion.lastIndexOf("/")) : "";
  const known = builtinType(k.apiVersion, k.kind);
  if (known) return { group, resource: known.plural, namespaced: known.namespaced, guessed: false };
  return { group, resource: `${k.kind.toLowerCase()}s`, namespaced: !isClusterScoped(k.kind), guessed: true };
}

export interface ConfigUses {
  readonly uses: readonly ResourceUse[];
  /** Custom kinds whose plural was guessed (check with `kubectl api-resources`). */
  readonly guessed: readonly string[];
}

/** The uses one cluster needs: creating namespaces only where the config creates them. */
export function clusterUses(uses: readonly ResourceUse[], cluster: ResolvedCluster): ResourceUse[] {
  return uses.filter((u) => !(u.group === "" && u.resource === "namespaces") || cluster.createNamespace);
}

export function configUses(config: ResolvedConfig): ConfigUses {
  const uses: ResourceUse[] = [];
  const guessed: string[] = [];
  for (const k of uniqueKinds(SERVER_KINDS, operatorKinds(config))) {
    const r = resourceOf(k);
    if (r.guessed) guessed.push(`${r.resource}${r.group ? `.${r.group}` : ""} (${k.kind})`);
    uses.push({ group: r.group, resource: r.resource, namespaced: r.namespaced, verbs: verbsFor(r.group, r.resource) });
  }
  uses.push({ group: "", resource: "events", namespaced: true, verbs: EVENT_VERBS });
  return { uses, guessed };
}
