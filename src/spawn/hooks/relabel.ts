import { lifetimeOf, serverIdentity, withIdentity } from "../../objects/labels.ts";
import { builtinPlugin } from "./order.ts";

/**
 * The last preApply hook (`enforce: "post"`, listed after the operator's plugins): the contract
 * labels are re-asserted after the hooks, as after patches. Stop and garbage collection select
 * by them, so no plugin may drop them, and objects a plugin added get them too.
 */
export const relabel = builtinPlugin({
  name: "mcks:relabel",
  enforce: "post",
  preApply(ctx) {
    const id = serverIdentity(ctx);
    ctx.objects.splice(0, ctx.objects.length, ...ctx.objects.map((o) => withIdentity(o, id, lifetimeOf(o, "server"))));
  },
});
