/**
 * JupyterHub's resource units. Memory: bytes as a number, or a number with a K/M/G/T suffix
 * (powers of 1024, as JupyterHub's ByteSpecification). CPU: cores as a number, or a
 * Kubernetes quantity ("500m" = 0.5 cores, "2" = 2 cores).
 */
const BYTES = /^(\d+(?:\.\d+)?)\s*([KMGT]?)$/;
const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const UNIT: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes, or undefined when `v` is not a byte quantity. */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  if (typeof v !== "string") return undefined;
  const m = BYTES.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (UNIT[m[2] ?? ""] ?? 1));
}

/** Cores, or undefined when `v` is not a CPU quantity. */
export function parseCpu(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = CPU.exec(v.trim());
  if (!m) return undefined;
  return m[2] === "m" ? Number(m[1]) / 1000 : Number(m[1]);
}
