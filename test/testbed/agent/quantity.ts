/**
 * Kubernetes resource quantities ("100m", "1.5", "64M", "16Gi", "1e3") as numbers, for the
 * autoscaler's and kubelet's arithmetic. CPU is counted in millicores, everything else in units.
 * The parsing is mcks's own (src/config/kube-quantity.ts), so the bed and the daemon read
 * quantities alike.
 */
import { parseQuantity as parse } from "../../../src/config/kube-quantity.ts";

/** The value of a quantity; NaN when it is not one (the API server rejects those, so none arrive). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return parse(q) ?? Number.NaN;
}

/** The quantity as the API counts it for `resource`: millicores for cpu, a whole number otherwise. */
export function resourceAmount(resource: string, q: string | number | undefined): number {
  const v = parseQuantity(q);
  return resource === "cpu" ? Math.ceil(v * 1000) : Math.ceil(v);
}
