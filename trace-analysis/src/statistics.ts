/**
 * A distribution-free 95% confidence interval for the q-quantile from a sample, by order
 * statistics: the number of sample points below the true quantile is Binomial(n, q), so the
 * ranks n·q ± 1.96·√(n·q·(1−q)) bracket it (normal approximation to the binomial).
 */
export function quantileWithCi(
  sorted: number[],
  q: number,
): { estimate: number; low: number; high: number; /** false: too few points for a 95% interval */ valid: boolean } | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  // 1-based ranks of the order statistics.
  const lowRank = Math.floor(n * q - half);
  const highRank = Math.ceil(n * q + half) + 1;
  const at = (rank: number) => sorted[Math.min(n, Math.max(1, rank)) - 1]!;
  return { estimate: at(Math.ceil(n * q)), low: at(lowRank), high: at(highRank), valid: lowRank >= 1 && highRank <= n };
}

/**
 * The fewest sampled points for which quantileWithCi gives a valid 95% interval of the q-quantile:
 * what a sample must hold before it says anything about p99, whatever the sampling rate.
 */
export function minSampleForCi(q: number): number {
  for (let n = 1; n < 1_000_000; n++) {
    const half = 1.96 * Math.sqrt(n * q * (1 - q));
    if (Math.floor(n * q - half) >= 1 && Math.ceil(n * q + half) + 1 <= n) return n;
  }
  return Infinity;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
