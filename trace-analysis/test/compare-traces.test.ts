import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTraces, durationReference, percentileRank, spanPercentiles, typicalTrace } from '../src/index.js';
import { paymentTrace, span } from './fixtures/detective-traces.js';

test('compare: the extra time in Stripe’s call is ranked first, and the differences add up to the extra duration', () => {
  const slow = paymentTrace({ traceId: 'slow', stripeMs: 390 });
  const typical = paymentTrace({ traceId: 'typical', stripeMs: 90 });
  const c = compareTraces(slow, typical);
  assert.equal(c.slow.traceId, 'slow');
  assert.equal(c.typical.traceId, 'typical');
  assert.equal(c.extraUs, 300_000);
  const top = c.differences[0]!;
  assert.deepEqual(
    { service: top.service, operation: top.operation, target: top.target, category: top.category, extra: top.extraUs, occurrence: top.occurrence },
    { service: 'payments', operation: 'POST', target: '127.0.0.1:12111/v1/charges', category: 'outside', extra: 300_000, occurrence: 1 },
  );
  assert.equal(top.label, 'payments POST → 127.0.0.1:12111/v1/charges');
  assert.equal(top.slowUs, 390_000);
  assert.equal(top.typicalUs, 90_000);
  assert.equal(top.slowSpanId, 'stripe');
  assert.equal(
    c.differences.reduce((a, d) => a + d.extraUs, 0),
    c.extraUs,
  );
  assert.ok(c.differences.slice(1).every((d) => d.extraUs === 0));
});

test('compare: repeated operations are matched in order; an operation in one trace only counts 0 in the other', () => {
  // The slow request asks auth twice, one call after the other (a retry); the typical one once.
  const request = (t: string, endMs: number, authCalls: number) => [
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, endMs, {}, t),
    ...Array.from({ length: authCalls }, (_, i) => [
      span(`auth-c${i}`, 'root', 'gateway', 'POST', 'client', 1 + 4 * i, 5 + 4 * i, { 'http.request.method': 'POST' }, t),
      span(`auth-s${i}`, `auth-c${i}`, 'auth', 'POST /v1/keys/verify', 'server', 2 + 4 * i, 4 + 4 * i, {}, t),
    ]).flat(),
  ];
  const typical = request('typical', 20, 1);
  const slow = request('slow', 24, 2);
  const c = compareTraces(slow, typical);
  const auth = c.differences.filter((d) => d.service === 'auth');
  assert.deepEqual(
    auth.map((d) => [d.occurrence, d.slowSpanId, d.typicalSpanId]),
    [
      [2, 'auth-s1', undefined],
      [1, 'auth-s0', 'auth-s0'],
    ],
  );
  const second = auth.find((d) => d.occurrence === 2)!;
  assert.deepEqual([second.slowUs, second.typicalUs, second.extraUs], [2_000, 0, 2_000], 'ranked first: the whole 2 ms is extra');
  const onlyTypical = compareTraces(typical, slow).differences.find((d) => d.service === 'auth' && d.occurrence === 2)!;
  assert.ok(onlyTypical.slowUs === 0 && onlyTypical.typicalUs > 0 && onlyTypical.extraUs < 0, 'present only in the "typical" side: negative extra');
  assert.equal(onlyTypical.slowSpanId, undefined);
});

test('typical: the trace closest to the median duration, never the excluded one', () => {
  const traces = [10, 20, 30, 40, 500].map((ms, i) => ({ traceId: `t${i}`, duration: ms * 1000 }));
  assert.equal(typicalTrace(traces)?.traceId, 't2');
  assert.equal(typicalTrace(traces, 't2')?.traceId, 't1', 'median of the other four is 35 ms: 30 and 40 tie, the first wins');
  assert.equal(typicalTrace([{ traceId: 'a', duration: 1 }], 'a'), undefined);
});

test('percentile ranks: mid-rank among the same operation’s spans, by service, name and target', () => {
  assert.equal(percentileRank([], 5), undefined);
  assert.deepEqual(percentileRank([1, 2, 3, 4], 3), { percentile: 62.5, count: 4 }, 'two below, one equal: (2 + 0.5) / 4');
  assert.deepEqual(percentileRank([1, 2, 3, 4], 10), { percentile: 100, count: 4 });
  assert.deepEqual(percentileRank([1, 2, 3, 4], 0), { percentile: 0, count: 4 });

  const reference = durationReference(Array.from({ length: 99 }, (_, i) => paymentTrace({ traceId: `r${i}`, stripeMs: 50 + i })));
  const slow = paymentTrace({ traceId: 'slow', stripeMs: 400 });
  const ranks = spanPercentiles(slow, reference);
  assert.deepEqual(ranks.get('stripe'), { percentile: 100, count: 99 }, "Stripe's call slower than every reference one");
  // auth's span is 2 ms in every trace: all equal, the mid-rank is 50.
  assert.deepEqual(ranks.get('auth-s'), { percentile: 50, count: 99 });
  // The gateway's three POSTs go to different targets: each is ranked among its own (hold ≠ capture).
  assert.equal(ranks.get('hold-c')?.count, 99);
  const middle = spanPercentiles(paymentTrace({ traceId: 'mid', stripeMs: 99 }), reference).get('stripe')!;
  assert.equal(middle.percentile, 50, 'the 50th of 99 (stripe 99 ms): 49 below, 1 equal');
});
