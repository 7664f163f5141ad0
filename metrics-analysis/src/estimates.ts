/** What metrics estimate, with a stated 95 % interval: request counts from sampled spans, shares (error rate), and quantiles from histogram buckets. */
import { betaQuantile, binomialCdf } from './distributions.js';

/** The confidence of every interval here. */
export const CONFIDENCE = 0.95;

/** An estimate and its interval (low ≤ estimate ≤ high; Infinity: unbounded above). */
export interface Estimate {
  estimate: number;
  low: number;
  high: number;
}

/** The largest integer n in [from, ∞) with pred(n) true, for pred true then false as n grows (pred(from) true). */
function lastTrue(from: number, pred: (n: number) => boolean): number {
  let lo = from;
  let step = 1;
  while (pred(lo + step)) {
    lo += step;
    step *= 2;
  }
  let hi = lo + step; // pred(hi) false
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (pred(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The number of requests N behind k sampled spans, each kept with probability p independently of
 * the others (consistent sampling on random trace ids). Estimate k/p (what span metrics report:
 * each span counted 1/p times). Interval: every N for which seeing k is not in either 2.5 % tail of
 * Binomial(N, p), i.e. the exact (Clopper–Pearson style) inversion of the binomial: coverage ≥ 95 %
 * whatever N, and [k, k] at p = 1, where nothing was left out.
 */
export function sampledCount(k: number, p: number, confidence = CONFIDENCE): Estimate {
  if (!(p > 0 && p <= 1)) throw new Error(`sampling probability ${p} is not in (0, 1]`);
  if (p === 1) return { estimate: k, low: k, high: k };
  const tail = (1 - confidence) / 2;
  // Largest N with P(K ≤ k | N) > tail (that probability falls as N grows).
  const high = lastTrue(k, (n) => binomialCdf(k, n, p) > tail);
  // Smallest N with P(K ≥ k | N) > tail: one past the largest N where it is still ≤ tail.
  const low = k === 0 || 1 - binomialCdf(k - 1, k, p) > tail ? k : lastTrue(k, (n) => 1 - binomialCdf(k - 1, n, p) <= tail) + 1;
  return { estimate: k / p, low, high };
}

/** A share x / n (e.g. of answers that are 5xx) with its exact Clopper–Pearson interval. NaN when n = 0. */
export function proportion(x: number, n: number, confidence = CONFIDENCE): Estimate {
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const tail = (1 - confidence) / 2;
  return {
    estimate: x / n,
    low: x === 0 ? 0 : betaQuantile(tail, x, n - x + 1),
    high: x === n ? 1 : betaQuantile(1 - tail, x + 1, n - x),
  };
}

/** A histogram as Prometheus keeps one: per bucket counts, the buckets' upper bounds ascending. */
export interface Histogram {
  /** Finite upper bounds (le), ascending. */
  bounds: number[];
  /** Count per bucket (not cumulative): bounds.length + 1 of them, the last above every bound (+Inf). */
  counts: number[];
}

/** A histogram from Prometheus's cumulative buckets ([le, count], le may be Infinity), in any order. */
export function histogramFromCumulative(buckets: Array<[number, number]>): Histogram {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const finite = sorted.filter(([le]) => Number.isFinite(le));
  const total = sorted.at(-1)?.[1] ?? 0;
  const cumulative = [...finite.map(([, c]) => c), total];
  return { bounds: finite.map(([le]) => le), counts: cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!)) };
}

/** The same histogram with every bound multiplied by `factor` (e.g. 1000: seconds to ms). */
export const scaleBounds = (h: Histogram, factor: number): Histogram => ({ bounds: h.bounds.map((b) => b * factor), counts: h.counts });

/** What was added between two readings of one cumulative histogram (same bounds). */
export function histogramDelta(after: Histogram, before: Histogram | undefined): Histogram {
  if (!before) return after;
  return { bounds: after.bounds, counts: after.counts.map((c, i) => c - (before.counts[i] ?? 0)) };
}

const total = (h: Histogram) => h.counts.reduce((a, b) => a + b, 0);
const bucketLow = (h: Histogram, i: number) => (i === 0 ? 0 : h.bounds[i - 1]!);
const bucketHigh = (h: Histogram, i: number) => (i < h.bounds.length ? h.bounds[i]! : Infinity);

/** The index of the bucket holding the value of 1-based rank `rank`. */
function bucketOfRank(h: Histogram, rank: number): number {
  let cumulative = 0;
  for (const [i, c] of h.counts.entries()) {
    cumulative += c;
    if (cumulative >= rank) return i;
  }
  return h.counts.length - 1;
}

/**
 * The q-quantile as Prometheus's histogram_quantile computes it: rank q × total, linear within
 * the bucket that holds it (from 0 in the first bucket; the highest finite bound in +Inf's).
 */
export function histogramQuantile(h: Histogram, q: number): number {
  const n = total(h);
  if (n <= 0) return NaN;
  const rank = q * n;
  let before = 0;
  for (const [i, c] of h.counts.entries()) {
    if (before + c >= rank && c > 0) {
      if (i === h.bounds.length) return h.bounds.at(-1) ?? NaN;
      return bucketLow(h, i) + ((bucketHigh(h, i) - bucketLow(h, i)) * (rank - before)) / c;
    }
    before += c;
  }
  return h.bounds.at(-1) ?? NaN;
}

/**
 * The 1-based ranks (l, u) of the order statistics that bracket the q-quantile of the population
 * with ≥ 95 % confidence, among k values drawn at random from it: P(X(l) ≤ ξq ≤ X(u)) ≥
 * P(l ≤ B ≤ u − 1) for B ~ Binomial(k, q), the distribution-free interval. l = 0: no order statistic
 * is low enough (unbounded below); u = k + 1: none is high enough (unbounded above).
 */
export function orderStatisticRanks(k: number, q: number, confidence = CONFIDENCE): { low: number; high: number } {
  const tail = (1 - confidence) / 2;
  let low = 0;
  while (low + 1 <= k && binomialCdf(low, k, q) <= tail) low++;
  let high = k + 1;
  while (high - 1 >= 1 && binomialCdf(high - 2, k, q) >= 1 - tail) high--;
  return { low, high };
}

/** A quantile from a histogram, its interval, and whether that interval is bounded on both sides. */
export interface QuantileEstimate extends Estimate {
  /** false: too few values for a two-sided 95 % interval (low 0 or high Infinity). */
  bounded: boolean;
}

/**
 * The q-quantile of all requests from a histogram of a sample that kept each request with
 * probability p; the histogram holds adjusted counts (each sampled request counted 1/p times, as
 * span metrics do), or exact counts at p = 1 (the SDK's metrics, which see every request).
 *
 * p = 1: the interval is the bucket resolution: the bucket(s) holding the order statistics the
 * quantile is interpolated between (as the load generator computes its percentiles).
 * p < 1: the k sampled values are a random sample of all requests, so the quantile lies between
 * order statistics l and u of the sample (orderStatisticRanks) with ≥ 95 % confidence; a histogram
 * only says which bucket each of those is in, so the interval runs from the lower bound of X(l)'s
 * bucket to the upper bound of X(u)'s: the rank's sampling uncertainty, widened by bucket resolution.
 */
export function quantileFromHistogram(h: Histogram, q: number, p: number, confidence = CONFIDENCE): QuantileEstimate | undefined {
  const n = total(h);
  if (!(n > 0)) return undefined;
  const estimate = histogramQuantile(h, q);
  if (p >= 1) {
    const j = Math.floor(q * (n - 1)) + 1;
    const low = bucketLow(h, bucketOfRank(h, j));
    const high = bucketHigh(h, bucketOfRank(h, Math.min(n, j + 1)));
    return { estimate, low, high, bounded: Number.isFinite(high) };
  }
  const sampled: Histogram = { bounds: h.bounds, counts: h.counts.map((c) => Math.round(c * p)) };
  const k = total(sampled);
  const ranks = orderStatisticRanks(k, q, confidence);
  const low = ranks.low >= 1 ? bucketLow(sampled, bucketOfRank(sampled, ranks.low)) : 0;
  const high = ranks.high <= k ? bucketHigh(sampled, bucketOfRank(sampled, ranks.high)) : Infinity;
  return { estimate, low, high, bounded: ranks.low >= 1 && Number.isFinite(high) };
}

/** An estimate held against the truth: the error (estimate − truth) relative to the truth, and whether the interval holds it. */
export interface Compared extends Estimate {
  truth: number | null;
  /** (estimate − truth) / truth; null without a truth or when it is 0. */
  errorRel: number | null;
  truthInside: boolean | null;
}

export function compareWithTruth(e: Estimate, truth: number | null | undefined): Compared {
  const t = truth ?? null;
  return {
    ...e,
    truth: t,
    errorRel: t === null || t === 0 ? null : (e.estimate - t) / t,
    truthInside: t === null ? null : t >= e.low && t <= e.high,
  };
}
