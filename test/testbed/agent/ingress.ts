/**
 * The fake ingress controller's control plane: keeps Services and Ingresses from their
 * informers and ready pods in a PodIndex, and recomputes the desired routes at most every
 * 20 ms (a burst of 1000 pod updates costs a handful of recomputations, not 1000).
 */
import type { V1Ingress, V1Pod, V1Service } from "@kubernetes/client-node";
import { PodIndex } from "./pod-index.ts";
import { RouteTable } from "./route-table.ts";
import { desiredRoutes } from "./routes.ts";

const COALESCE_MS = 20;

export class IngressController {
  readonly table: RouteTable;
  readonly #pods = new PodIndex();
  readonly #services = new Map<string, V1Service>();
  readonly #ingresses = new Map<string, V1Ingress>();
  readonly #ingressClass: string | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(pickupDelayMs: number, ingressClass: string | undefined) {
    this.table = new RouteTable(pickupDelayMs);
    this.#ingressClass = ingressClass;
  }

  onPod(pod: V1Pod): void {
    if (this.#pods.upsert(pod)) this.#schedule();
  }

  onPodDeleted(pod: V1Pod): void {
    if (this.#pods.delete(pod)) this.#schedule();
  }

  onService(svc: V1Service, deleted = false): void {
    const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    if (deleted) this.#services.delete(key);
    else this.#services.set(key, svc);
    this.#schedule();
  }

  onIngress(ing: V1Ingress, deleted = false): void {
    const key = `${ing.metadata?.namespace}/${ing.metadata?.name}`;
    if (deleted) this.#ingresses.delete(key);
    else this.#ingresses.set(key, ing);
    this.#schedule();
  }

  /** Applies everything seen so far now (used once after the initial lists). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.table.update(desiredRoutes(this.#ingresses.values(), this.#services, this.#pods, this.#ingressClass));
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), COALESCE_MS);
  }
}
