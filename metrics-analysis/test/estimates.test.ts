/** The estimates' math, no servers: known inputs give known intervals, and at 1 % about 95 % of intervals hold the truth. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binomialCdf,
  compareWithTruth,
  histogramFromCumulative,
  histogramQuantile,
  orderStatisticRanks,
  proportion,
  quantileFromHistogram,
  sampledCount,
  type Histogram,
} from '../src/index.js';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

/** mulberry32: a small seeded generator, so the simulations give the same answer every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bounds (ms) the SDKs' and the span metrics' duration histograms share. */
const BOUNDS_MS = [1, 2, 3, 5, 7.5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 150, 200, 300, 500, 750, 1000, 2500, 5000, 10000];

function histogramOf(values: number[], weight = 1): Histogram {
  const counts = new Array<number>(BOUNDS_MS.length + 1).fill(0);
  for (const v of values) {
    const i = BOUNDS_MS.findIndex((b) => v <= b);
    counts[i === -1 ? BOUNDS_MS.length : i]! += weight;
  }
  return { bounds: BOUNDS_MS, counts };
}

/** The load generator's percentile: interpolated between the closest ranks. */
function percentile(sorted: number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

describe('distributions', () => {
  test('the binomial CDF matches sums of the probability mass', () => {
    near(binomialCdf(0, 367, 0.01), 0.99 ** 367, 1e-12, 'P(K=0)');
    near(binomialCdf(39, 100, 0.5), 0.0176, 1e-5, 'Bin(100, 0.5) ≤ 39');
    near(binomialCdf(2, 10, 0.3), 0.3827828, 1e-6, 'Bin(10, 0.3) ≤ 2');
  });
});

describe('sampled counts', () => {
  test('nothing sampled at 1 %: no estimate of 0 requests, but up to 367 could hide', () => {
    // 0.99^367 = 0.0250 > 0.025 ≥ 0.99^368
    assert.deepEqual(sampledCount(0, 0.01), { estimate: 0, low: 0, high: 367 });
  });
  test('23 spans at 1 % (the 1800-payment check): 2300, about [1458, 3451] (≈ the Poisson interval / p)', () => {
    const e = sampledCount(23, 0.01);
    assert.equal(e.estimate, 2300);
    near(e.low, 1458, 10, 'low');
    near(e.high, 3451, 25, 'high');
    assert.ok(e.low <= 1800 && e.high >= 1800, 'the truth, 1800, is inside');
  });
  test('at 100 % the count is exact', () => {
    assert.deepEqual(sampledCount(1234, 1), { estimate: 1234, low: 1234, high: 1234 });
  });
  test('coverage at 1 %: about 95 % of intervals hold the true count', () => {
    const next = random(23);
    const N = 6000;
    let inside = 0;
    const trials = 600;
    for (let t = 0; t < trials; t++) {
      let k = 0;
      for (let i = 0; i < N; i++) if (next() < 0.01) k++;
      const e = sampledCount(k, 0.01);
      if (e.low <= N && N <= e.high) inside++;
    }
    const coverage = inside / trials;
    assert.ok(coverage >= 0.93 && coverage <= 0.995, `coverage ${coverage}`);
  });
});

describe('shares', () => {
  test('Clopper–Pearson intervals', () => {
    const none = proportion(0, 10);
    assert.equal(none.low, 0);
    near(none.high, 1 - 0.025 ** (1 / 10), 1e-9, '0 of 10');
    const half = proportion(5, 10);
    near(half.low, 0.187086, 1e-5, '5 of 10 low');
    near(half.high, 0.812914, 1e-5, '5 of 10 high');
    assert.ok(Number.isNaN(proportion(0, 0).estimate), 'no answers: no share');
  });
});

describe('quantiles from histograms', () => {
  test('cumulative buckets become per-bucket counts', () => {
    const h = histogramFromCumulative([
      [Infinity, 100],
      [20, 90],
      [10, 10],
      [30, 100],
    ]);
    assert.deepEqual(h, { bounds: [10, 20, 30], counts: [10, 80, 10, 0] });
  });
  test("exact counts: histogram_quantile's interpolation, and the bucket as the interval", () => {
    const h = { bounds: [10, 20, 30], counts: [10, 80, 10, 0] };
    assert.equal(histogramQuantile(h, 0.5), 15);
    assert.deepEqual(quantileFromHistogram(h, 0.5, 1), { estimate: 15, low: 10, high: 20, bounded: true });
    // p99 of 100: rank 99, 9 of the 10 values in (20, 30]; the 99th and 100th values are both there.
    assert.deepEqual(quantileFromHistogram(h, 0.99, 1), { estimate: 29, low: 20, high: 30, bounded: true });
    assert.equal(quantileFromHistogram({ bounds: [10], counts: [0, 0] }, 0.5, 1), undefined);
  });
  test('order statistics: the median of 100 lies between the 40th and 61st values; p99 needs 368', () => {
    assert.deepEqual(orderStatisticRanks(100, 0.5), { low: 40, high: 61 });
    assert.equal(orderStatisticRanks(367, 0.99).high, 368, '367 values: no upper bound for p99');
    assert.ok(orderStatisticRanks(368, 0.99).high <= 368);
  });
  test('sampled counts: the rank interval widened to bucket bounds', () => {
    // 100 sampled spans at 1 %, each counted 100 times: 40th and 61st values in (10, 20].
    const h = { bounds: [10, 20, 30], counts: [1000, 8000, 1000, 0] };
    assert.deepEqual(quantileFromHistogram(h, 0.5, 0.01), { estimate: 15, low: 10, high: 20, bounded: true });
    const few = quantileFromHistogram({ bounds: [10, 20, 30], counts: [0, 300, 200, 0] }, 0.99, 0.01)!;
    assert.equal(few.high, Infinity, '5 spans say nothing of the p99 above');
    assert.equal(few.bounded, false);
  });
  test('coverage at 1 %: the p50 and p95 intervals hold the true quantile about 95 % of the time or more', () => {
    const next = random(7);
    // Log-normal latencies around 20 ms, as payments are.
    const population = Array.from({ length: 20_000 }, () => {
      const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return 20 * Math.exp(0.5 * normal);
    }).sort((a, b) => a - b);
    const truth = { p50: percentile(population, 0.5), p95: percentile(population, 0.95) };
    const inside = { p50: 0, p95: 0 };
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const sample = population.filter(() => next() < 0.01);
      const h = histogramOf(sample, 100);
      for (const [key, q] of [
        ['p50', 0.5],
        ['p95', 0.95],
      ] as const) {
        const e = quantileFromHistogram(h, q, 0.01)!;
        if (e.low <= truth[key] && truth[key] <= e.high) inside[key]++;
      }
    }
    for (const key of ['p50', 'p95'] as const) {
      const coverage = inside[key] / trials;
      // At least 95 % up to simulation noise; bucket widening makes it more, never less.
      assert.ok(coverage >= 0.93, `${key} coverage ${coverage}`);
    }
  });
});

describe('against the truth', () => {
  test('relative error and whether the interval holds the truth', () => {
    assert.deepEqual(compareWithTruth({ estimate: 2300, low: 1458, high: 3451 }, 1800), {
      estimate: 2300,
      low: 1458,
      high: 3451,
      truth: 1800,
      errorRel: 500 / 1800,
      truthInside: true,
    });
    assert.equal(compareWithTruth({ estimate: 1, low: 1, high: 1 }, null).errorRel, null);
  });
});
