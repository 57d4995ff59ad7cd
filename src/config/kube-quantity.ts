/**
 * Kubernetes resource quantities ("500m", "2Gi", "1.5G", "1e3", "100n", or a bare number), as
 * the API server reads them: validation refuses what it would refuse, and render turns them into
 * numbers for the environment JupyterHub derives from a container's resources. Written here,
 * not taken from a Kubernetes client, because config/ and render/ run without one (dry-run is
 * offline and quick); resource.Quantity's grammar (k8s.io/apimachinery) is small.
 */
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const FACTOR: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The quantity's value, or undefined when it is not a Kubernetes quantity (no spaces, no "10K"). */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = QUANTITY.exec(v);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * (m[3] ? (FACTOR[m[3]] ?? 1) : 1);
}
