/** The verdict with runtime findings from metrics: which one names the service, and what it advises (pure). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verdict, withRuntimeFindings, type RuntimeFinding, type Verdict } from '../src/index.js';

const stalledAuth: RuntimeFinding = {
  service: 'auth',
  kind: 'event-loop',
  value: 104,
  baseline: 6,
  summary: 'auth: event-loop delay p99 104 ms over the window (max 131 ms), 6 ms before',
};
const balancePool: RuntimeFinding = {
  service: 'balance',
  kind: 'pool',
  value: 7,
  baseline: 0,
  summary: 'balance: up to 7 requests waiting for a database connection, all 10 connections in use (0 before)',
};
const gatewayInFlight: RuntimeFinding = {
  service: 'gateway',
  kind: 'in-flight',
  value: 9,
  baseline: 1,
  summary: 'gateway: 9 requests in flight on average, 1 before',
};

/** A span verdict as verdict() makes it, with what the tests vary. */
const spans = (over: Partial<Verdict>): Verdict => ({
  count: 100,
  failed: 0,
  failureRate: 0,
  services: [
    { service: 'gateway', p50: 0.5, p95: 0.6, mean: 0.5 },
    { service: 'auth', p50: 0.2, p95: 0.4, mean: 0.25 },
  ],
  operations: [],
  calleeWaits: [],
  culprit: undefined,
  sentence: 'No bottleneck stands out over 100 traces: …',
  ...over,
});

describe('withRuntimeFindings', () => {
  test('no findings: the span verdict as it was', () => {
    const v = spans({});
    assert.equal(withRuntimeFindings(v, []), v);
  });

  test('a stalled event loop names its service with its figure when no span stands out, and advises GC, sync work, CPU', () => {
    const v = withRuntimeFindings(spans({}), [stalledAuth, gatewayInFlight]);
    assert.deepEqual(v.culprit, { service: 'auth', operation: 'event loop', share: 0.25, kind: 'runtime' });
    assert.match(v.sentence, /^auth: event-loop delay p99 104 ms over the window \(max 131 ms\), 6 ms before: /);
    assert.match(v.sentence, /GC pauses/);
    assert.match(v.sentence, /synchronous work/);
    assert.match(v.sentence, /CPU starvation/);
    assert.doesNotMatch(v.sentence, /EXPLAIN/);
    assert.match(v.sentence, /Also: gateway: 9 requests in flight/);
    assert.match(v.sentence, /No span stands out over 100 traces/);
    assert.deepEqual(v.runtime, [stalledAuth, gatewayInFlight]);
  });

  test('a stalled event loop comes before a span latency culprit, which is still told', () => {
    const latency = spans({
      culprit: { service: 'gateway', operation: 'POST', target: 'auth /v1/keys/verify', share: 0.3, kind: 'latency' },
      sentence: "the time around gateway's call to auth … is 30% of the critical path",
    });
    const v = withRuntimeFindings(latency, [stalledAuth]);
    assert.equal(v.culprit?.service, 'auth');
    assert.match(v.sentence, /The spans alone would have said: the time around gateway's call to auth/);
  });

  test('errors stay first; the findings are added as facts', () => {
    const errors = spans({
      culprit: { service: 'payments', operation: 'POST', share: 0.3, kind: 'errors' },
      sentence: '30 of 100 traces failed.',
    });
    const v = withRuntimeFindings(errors, [stalledAuth]);
    assert.equal(v.culprit?.kind, 'errors');
    assert.equal(v.sentence, `30 of 100 traces failed. From the services' metrics: ${stalledAuth.summary}.`);
  });

  test('a saturated pool names its service only when no span stands out', () => {
    assert.deepEqual(withRuntimeFindings(spans({}), [balancePool]).culprit, {
      service: 'balance',
      operation: 'database connection pool',
      share: 0,
      kind: 'runtime',
    });
    const slowQuery = spans({
      culprit: { service: 'balance', operation: 'SQL', target: 'SELECT sum', share: 0.6, kind: 'latency' },
      sentence: 'the query.',
    });
    const v = withRuntimeFindings(slowQuery, [balancePool]);
    assert.equal(v.culprit?.kind, 'latency');
    assert.match(v.sentence, /^the query\. From the services' metrics: balance: up to 7 requests waiting/);
  });

  test('requests in flight alone name nobody', () => {
    assert.equal(withRuntimeFindings(spans({}), [gatewayInFlight]).culprit, undefined);
  });

  test('verdict() takes the findings as an option, and names the service even without traces', () => {
    const v = verdict([], { runtime: [stalledAuth] });
    assert.equal(v.culprit?.service, 'auth');
    assert.equal(v.culprit?.kind, 'runtime');
    assert.doesNotMatch(v.sentence, /No span stands out/);
  });
});
