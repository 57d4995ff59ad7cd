import type { Plugin } from "../../config/types.ts";
import { identity } from "../../objects/identity.ts";
import { identityOf, lifetimeOf, serverIdentity, withIdentity } from "../../objects/labels.ts";
import type { KubeObject } from "../../objects/types.ts";
import { builtinPlugin } from "./order.ts";

/**
 * The last preApply hook (`enforce: "post"`, listed after the operator's plugins): the contract
 * labels are re-asserted after the hooks, as after patches. Stop and garbage collection select
 * by them, so no plugin may drop or change them: each object gets back the identity render
 * and the patches gave it (`planned`, the objects before the hooks; a per-user namespace keeps
 * its user-level identity), and objects a plugin added get the server's. As with patches, a
 * plugin may switch an object's lifetime between "server" and "user" but not remove it.
 */
export function relabel(planned: readonly KubeObject[]): Plugin {
  const before = new Map(planned.map((o) => [identity(o), { id: identityOf(o), lifetime: lifetimeOf(o, "server") }]));
  return builtinPlugin({
    name: "mcks:relabel",
    enforce: "post",
    preApply(ctx) {
      const server = serverIdentity(ctx);
      const relabelled = ctx.objects.map((o) => {
        const was = before.get(identity(o));
        return withIdentity(o, was?.id ?? server, lifetimeOf(o, was?.lifetime ?? "server"));
      });
      ctx.objects.splice(0, ctx.objects.length, ...relabelled);
    },
  });
}
