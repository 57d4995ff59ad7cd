/**
 * Kubernetes resource quantities ("100m", "1.5", "64M", "16Gi", "1e3") as numbers, for the
 * autoscaler's and kubelet's arithmetic. CPU is counted in millicores, everything else in units.
 */
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity; NaN when it is not one (the API server rejects those, so none arrive). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === "number") return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return Number.NaN;
  const base = Number(m[1]);
  return m[2] ? base * 10 ** Number(m[2].slice(1)) : base * SUFFIX[m[3] ?? ""]!;
}

/** The quantity as the API counts it for `resource`: millicores for cpu, a whole number otherwise. */
export function resourceAmount(resource: string, q: string | number | undefined): number {
  const v = parseQuantity(q);
  return resource === "cpu" ? Math.ceil(v * 1000) : Math.ceil(v);
}
