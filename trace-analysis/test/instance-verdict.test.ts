import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTrace, oddInstance, servedRequests, verdict, type ServedRequest } from '../src/index.js';
import { span } from './fixtures/detective-traces.js';
import type { TraceSpan } from '../src/jaeger-client.js';

/**
 * A payment whose hold took `holdMs` in balance's instance `instance` (its process's
 * service.instance.id, as Jaeger gives it), and whose charge took `chargeMs` in payments.
 */
function payment(i: number, instance: string | undefined, holdMs: number, chargeMs = 20): TraceSpan[] {
  const t = `t${i}`;
  const holdEnd = 3 + holdMs;
  const end = holdEnd + 4 + chargeMs;
  const balance = (s: TraceSpan): TraceSpan => (instance ? { ...s, resource: { 'service.instance.id': instance, 'host.name': 'vm' } } : s);
  return [
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, end + 1, { 'http.response.status_code': 201 }, t),
    span('hold-c', 'root', 'gateway', 'POST', 'client', 1, holdEnd + 1, { 'http.request.method': 'POST' }, t),
    balance(span('hold-s', 'hold-c', 'balance', 'POST /v1/holds', 'server', 2, holdEnd, { 'http.route': '/v1/holds' }, t)),
    span('charge-c', 'root', 'gateway', 'POST', 'client', holdEnd + 2, end, { 'http.request.method': 'POST' }, t),
    span('charge-s', 'charge-c', 'payments', 'POST /v1/charges', 'server', holdEnd + 3, end - 1, { 'http.route': '/v1/charges' }, t),
  ];
}

/** 40 payments, balance's two replicas taking turns. */
const payments = (holdMs: (instance: string) => number, chargeMs?: number) =>
  Array.from({ length: 40 }, (_, i) => {
    const instance = `balance-${(i % 2) + 1}`;
    return payment(i, instance, holdMs(instance), chargeMs);
  });

test('one slow replica among good ones: the verdict names its service and the instance, with the figures', () => {
  const v = verdict(payments((instance) => (instance === 'balance-2' ? 200 : 5)).map(analyzeTrace));
  assert.equal(v.culprit?.service, 'balance');
  assert.equal(v.culprit?.instance, 'balance-2');
  assert.equal(v.instance?.kind, 'latency');
  assert.deepEqual(
    v.instance?.instances.map((s) => [s.instance, s.count, s.p50 / 1000]),
    [
      ['balance-2', 20, 201],
      ['balance-1', 20, 6],
    ],
  );
  assert.match(
    v.sentence,
    /Of balance's 2 instances one stands out, balance-2: its spans 201\.0 ms p50 \(20 spans\) against 6\.0 ms p50 on balance-1 \(20\): look first at what only balance-2 has/,
  );
});

test('replicas that behave alike change nothing in the verdict', () => {
  const withIds = payments((instance) => (instance === 'balance-2' ? 6 : 5));
  const v = verdict(withIds.map(analyzeTrace));
  const without = verdict(withIds.map((spans) => analyzeTrace(spans.map(({ resource: _resource, ...s }) => s))));
  assert.equal(v.instance, undefined);
  assert.equal(v.culprit?.instance, undefined);
  assert.deepEqual(v, without);
  // Twice as slow but by a few ms only: noise, not a bad replica.
  assert.equal(verdict(payments((instance) => (instance === 'balance-2' ? 10 : 4)).map(analyzeTrace)).instance, undefined);
});

test('an odd replica of another service than the culprit is said as well, the culprit left alone', () => {
  const v = verdict(payments((instance) => (instance === 'balance-2' ? 60 : 5), 400).map(analyzeTrace));
  assert.equal(v.culprit?.service, 'payments');
  assert.equal(v.culprit?.instance, undefined);
  assert.equal(v.instance?.instance, 'balance-2');
  assert.match(v.sentence, / Also, of balance's 2 instances one stands out, balance-2: its spans 61\.0 ms p50/);
});

test('oddInstance: a failing replica comes first; too few spans, or one instance, say nothing', () => {
  const served = (instance: string, n: number, ms: number, failEvery = 0): ServedRequest[] =>
    Array.from({ length: n }, (_, i) => ({ service: 'auth', instance, duration: ms * 1000, failed: failEvery > 0 && i % failEvery === 0 }));
  const failing = oddInstance([...served('auth-1', 20, 5), ...served('auth-2', 20, 5, 4), ...served('auth-3', 20, 5)]);
  assert.deepEqual([failing?.instance, failing?.kind, failing?.instances.map((s) => s.failureRate)], ['auth-2', 'errors', [0.25, 0, 0]]);
  assert.equal(oddInstance([...served('auth-1', 20, 5), ...served('auth-2', 4, 500)]), undefined);
  assert.equal(oddInstance(served('auth-1', 20, 5)), undefined);
  // Two of three slow: no one replica stands out from all its siblings.
  assert.equal(oddInstance([...served('auth-1', 20, 5), ...served('auth-2', 20, 300), ...served('auth-3', 20, 300)]), undefined);
  // Spans without a service.instance.id (a process that set none) are not compared.
  assert.deepEqual(servedRequests(payment(0, undefined, 5)), []);
});
