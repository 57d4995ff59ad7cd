/**
 * The render stage: a Spawn becomes the server's objects (built-ins, then the operator's
 * resources in the order the resolver gave), each labelled per the label contract (objects/labels.ts).
 * Patches are rendered here too (renderSources) and applied by patch/stage.ts.
 */
import type { Spawn } from "../profile/resolve-spawn.ts";
import { UserError } from "../errors.ts";
import { isClusterScoped } from "../objects/kinds.ts";
import { lifetimeOf, serverIdentity, userIdentity, withIdentity } from "../objects/labels.ts";
import type { Identity, Lifetime } from "../objects/labels.ts";
import { ObjectSet } from "../objects/object-set.ts";
import type { KubeObject, Origin } from "../objects/types.ts";
import { planEnv } from "./env.ts";
import { ingress } from "./ingress.ts";
import { namespace } from "./namespace.ts";
import { pod } from "./pod.ts";
import { secret } from "./secret.ts";
import { service } from "./service.ts";
import { serviceAccount } from "./service-account.ts";
import { homeClaim } from "./storage.ts";
import { describeSource, renderSources } from "./sources.ts";

export { addContainerEnv } from "./container-env.ts";
export { renderSources } from "./sources.ts";
export type { RenderedSource, SourceKind } from "./sources.ts";
export { checkTemplate, renderTemplate, TemplateError } from "./template.ts";

const BUILTIN: Origin = { stage: "builtin", name: "built-in" };

function add(set: ObjectSet, obj: KubeObject, origin: Origin): void {
  try {
    set.add(obj, origin);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err), [], { cause: err });
  }
}

export function renderServer(spawn: Spawn): ObjectSet {
  const { ctx } = spawn;
  const set = new ObjectSet();
  const id = serverIdentity(ctx);

  const ns = namespace(spawn);
  if (ns) {
    // A per-user namespace is shared by all of the user's servers (objects/labels.ts userIdentity).
    add(set, withIdentity(ns, userIdentity(ctx), "user"), BUILTIN);
  }
  const env = planEnv(spawn);
  // With pod-ip routing the hub reaches the Pod itself: no Service, no Ingress.
  const route = spawn.cluster.routing === "ingress" ? [service(spawn), ingress(spawn)] : [];
  const builtins = [serviceAccount(spawn), secret(spawn, env), pod(spawn, env), ...route];
  for (const obj of builtins) if (obj) add(set, withIdentity(obj, id, "server"), BUILTIN);
  // The home volume outlives stops: only deleting the server or the user removes it.
  const home = homeClaim(spawn);
  if (home) add(set, withIdentity(home, id, "user"), BUILTIN);

  for (const { source, objects } of renderSources(ctx, spawn.resources, "resource")) {
    const origin: Origin = { stage: "resource", name: source.key, ...(source.location ? { location: source.location } : {}) };
    for (const obj of objects) {
      try {
        add(set, placeResource(obj, ctx.namespace, id), origin);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        throw new UserError(`${describeSource("resource", source)}: ${err.message}`, err.details, { cause: err });
      }
    }
  }
  return set;
}

/** Namespace defaulting, lifetime normalisation and identity labels for an operator resource. */
function placeResource(obj: KubeObject, ns: string, id: Identity): KubeObject {
  const lifetime: Lifetime = lifetimeOf(obj, "server");
  const placed = !isClusterScoped(obj.kind) && !obj.metadata.namespace ? { ...obj, metadata: { ...obj.metadata, namespace: ns } } : obj;
  return withIdentity(placed, id, lifetime);
}
