/**
 * client-node 2.0.1 builds a new undici Agent for every API call (KubeConfig.applySecurityAuthentication),
 * so each request pays a fresh TLS handshake and leaves a connection behind: measured 70 reads/s at
 * 24 in flight with 100+ open connections. The agent's kubeconfig never changes while it runs, so
 * the first dispatcher is kept and reused (keep-alive pool); later ones are closed unused.
 */
import { KubeConfig } from "@kubernetes/client-node";
import type { RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

export class PooledKubeConfig extends KubeConfig {
  #dispatcher: Dispatcher | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    if (this.#dispatcher === undefined) {
      this.#dispatcher = fresh;
      return;
    }
    context.setDispatcher(this.#dispatcher);
    void fresh.close().catch(() => undefined);
  }
}
