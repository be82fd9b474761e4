/** The statistics' rollup rows as the database returns them: counts, sums and JSON histograms {bucket: count}. */

/** COUNT/SUM come back as bigint (or number, or null for SUM over nothing). */
export type Count = bigint | number | null;

export function num(value: Count | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** A histogram {bucket: count} as stored (JSON), added into `into`. */
export function addHistogram(into: Map<number, number>, json: string): void {
  for (const [bucket, count] of Object.entries(JSON.parse(json) as Record<string, number>)) {
    into.set(Number(bucket), (into.get(Number(bucket)) ?? 0) + count);
  }
}

/** The q-quantile by nearest rank (the ⌈q·n⌉-th smallest) of a histogram {seconds: count}: q 0.5 the median, 0.9 the 90th percentile. */
export function percentileOfHistogram(histogram: Map<number, number>, q: number): number | null {
  const total = [...histogram.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [second, count] of [...histogram].sort(([a], [b]) => a - b)) {
    seen += count;
    if (seen >= rank) return second;
  }
  return null;
}

/** An average in seconds of a sum in ms (to the ms), null when nothing was counted. */
export const averageSeconds = (sumMs: number, count: number) => (count ? Math.round(sumMs / count) / 1000 : null);

/** The average score of a ratings histogram {score: count} (two decimals) and how many rated. */
export function ratingSummary(ratings: Map<number, number>): { average: number | null; rated: number } {
  let rated = 0;
  let sum = 0;
  for (const [score, count] of ratings) {
    rated += count;
    sum += score * count;
  }
  return { average: rated ? Math.round((sum / rated) * 100) / 100 : null, rated };
}
