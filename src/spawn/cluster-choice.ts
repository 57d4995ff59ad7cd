/**
 * Which cluster a profile's server starts on right now: its `cluster`, or while that one is
 * unreachable the first reachable of its `fallbackClusters` — never when the user keeps data
 * there (an object that outlives stops, such as a home volume: a server elsewhere would start
 * without it, and the next start back home would not see what was written meanwhile).
 * One decision for the spawn page (`profiles.list`) and the start itself.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { ClusterUnreachableError, NOT_CONNECTED_YET, type ClusterStatus } from "../kube/index.ts";
import { LABEL_LIFETIME } from "../objects/labels.ts";
import type { KubeObject } from "../objects/types.ts";
import type { ProfileCluster } from "../rpc/protocol.ts";

export interface ClusterChoiceInput {
  /** The profile's `cluster`. */
  readonly cluster: string;
  /** The profile's `fallbackClusters`, in order. */
  readonly fallbacks: readonly string[];
  /** The user's server of this profile keeps data on `cluster` (`keepsUserData`); only asked when there are fallbacks. */
  readonly homeOnCluster: boolean;
}

/**
 * Objects that outlive a stop (`lifetime: user`) other than a Namespace, which holds nothing
 * itself: a home volume, an operator's data resource.
 */
export function keepsUserData(objects: readonly KubeObject[]): boolean {
  return objects.some((o) => o.kind !== "Namespace" && o.metadata.labels?.[LABEL_LIFETIME] === "user");
}

/** Not known to be down: reachable, or its first listing still under way (daemon start). */
function usable(h: ClusterStatus | undefined): boolean {
  return h === undefined || h.reachable || h.error === NOT_CONNECTED_YET;
}

export function chooseCluster(input: ClusterChoiceInput, health: Readonly<Record<string, ClusterStatus>>): ProfileCluster {
  const h = health[input.cluster];
  const reachable = usable(h);
  const startsOn = reachable ? input.cluster : input.homeOnCluster ? undefined : input.fallbacks.find((f) => usable(health[f]));
  return {
    name: input.cluster,
    reachable,
    ...(reachable || !h ? {} : { since: h.since, ...(h.reason ? { reason: h.reason } : {}) }),
    fallbacks: [...input.fallbacks],
    ...(startsOn ? { startsOn } : {}),
    homeOnCluster: input.homeOnCluster,
  };
}

/** The error of a start that has nowhere to go, for the hub's user: few words, no address. */
export function nowhereToStart(c: ProfileCluster): ClusterUnreachableError {
  const since = c.since ? ` since ${c.since.replace(/\.\d+Z$/, "Z")}` : "";
  const why = ` (${c.reason ?? "no answer"})`;
  const fallbacks = c.fallbacks.join(", ");
  const more =
    c.fallbacks.length === 0
      ? ""
      : c.homeOnCluster
        ? `; your home volume lives there, so this profile does not start on ${fallbacks}`
        : `; so ${c.fallbacks.length === 1 ? "is its fallback" : "are its fallbacks"} ${fallbacks}`;
  const message = `cluster "${c.name}" is unreachable${since}${why}${more}; try another profile or ask the operator`;
  return new ClusterUnreachableError(c.name, message, { publicMessage: message });
}

/**
 * Where a server of `profile` would start now. Whether the user keeps data on the profile's
 * cluster comes from `plan` (the request's objects there), asked only for a profile with
 * fallbacks.
 */
export function clusterFor(profile: ResolvedProfile, health: Readonly<Record<string, ClusterStatus>>, plan: () => readonly KubeObject[]): ProfileCluster {
  const fallbacks = profile.fallbackClusters;
  return chooseCluster({ cluster: profile.cluster, fallbacks, homeOnCluster: fallbacks.length > 0 && keepsUserData(plan()) }, health);
}
