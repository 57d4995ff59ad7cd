/** Ratios of paired samples (a[i] / b[i], taken back to back): median and the pairs' range. */
export interface PairedStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly pairs: number;
}

export function pairedStats(a: readonly number[], b: readonly number[]): PairedStats {
  if (a.length !== b.length || a.length === 0) throw new Error(`paired samples need equal, non-zero counts (got ${a.length} and ${b.length})`);
  const ratios = a.map((x, i) => x / b[i]!).sort((x, y) => x - y);
  const mid = Math.floor(ratios.length / 2);
  const median = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  const round = (x: number): number => (x >= 100 ? Math.round(x) : Number(x.toFixed(1)));
  return { median: round(median), min: round(ratios[0]!), max: round(ratios.at(-1)!), pairs: ratios.length };
}
