import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { median, minSampleForCi, quantileWithCi } from '../src/statistics.js';

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('quantileWithCi: the order-statistic 95% confidence interval', () => {
  test('the median of 100 points: ranks 40 and 61, as the binomial tables give', () => {
    // Known value: for n = 100 the distribution-free 95% interval for the median is
    // [x(40), x(61)] (e.g. Conover, Practical Nonparametric Statistics, table A3).
    const ci = quantileWithCi(oneTo(100), 0.5)!;
    assert.deepEqual(ci, { estimate: 50, low: 40, high: 61, valid: true });
  });

  test('p95 of 1000 points: ranks 937 and 965', () => {
    // n·q = 950, 1.96·√(1000·0.95·0.05) = 13.51 → ranks ⌊936.49⌋ = 936 … ⌈963.51⌉ + 1 = 965;
    // on the sample 1…1000 the rank is the value.
    const ci = quantileWithCi(oneTo(1000), 0.95)!;
    assert.equal(ci.estimate, 950);
    assert.equal(ci.low, 936);
    assert.equal(ci.high, 965);
    assert.equal(ci.valid, true);
  });

  test('too few points for p99: an estimate, but flagged as no valid interval', () => {
    const ci = quantileWithCi(oneTo(50), 0.99)!;
    assert.equal(ci.estimate, 50);
    assert.equal(ci.valid, false);
    assert.equal(ci.high, 50, 'clamped to the largest point');
  });

  test('no points: no estimate', () => {
    assert.equal(quantileWithCi([], 0.5), undefined);
  });

  test('covers the true median about 95% of the time (seeded simulation)', () => {
    // A small linear congruential generator: the same samples on every run.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let covered = 0;
    const trials = 2_000;
    for (let t = 0; t < trials; t++) {
      // Exponential(1): true median ln 2.
      const sample = Array.from({ length: 200 }, () => -Math.log(1 - random())).sort((a, b) => a - b);
      const ci = quantileWithCi(sample, 0.5)!;
      if (ci.low <= Math.LN2 && Math.LN2 <= ci.high) covered++;
    }
    const coverage = covered / trials;
    assert.ok(coverage > 0.93 && coverage < 0.98, `coverage ${coverage}`);
  });
});

describe('minSampleForCi', () => {
  test('the fewest points for a valid interval: 8 for p50, 110 for p95, 563 for p99', () => {
    // By hand for p99: n = 563 → 557.37 + 1.96·√(563·0.99·0.01) = 561.997, upper rank ⌈561.997⌉ + 1
    // = 563 ≤ n; n = 562 → 561.003, upper rank 563 > n. (The exact binomial needs only 299, the
    // interval [x(1), x(n)] covering p99 with 1 − 0.99^299 ≥ 0.95:
    // the normal approximation is cautious in the tail.)
    assert.equal(minSampleForCi(0.5), 8);
    assert.equal(minSampleForCi(0.95), 110);
    assert.equal(minSampleForCi(0.99), 563);
  });

  test('is exactly where quantileWithCi turns valid', () => {
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const n = minSampleForCi(q);
      assert.equal(quantileWithCi(oneTo(n), q)!.valid, true, `q=${q} n=${n}`);
      assert.equal(quantileWithCi(oneTo(n - 1), q)!.valid, false, `q=${q} n=${n - 1}`);
    }
  });
});

describe('median', () => {
  test('odd, even, unsorted, empty', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
  test('leaves its input alone', () => {
    const xs = [3, 1, 2];
    median(xs);
    assert.deepEqual(xs, [3, 1, 2]);
  });
});
