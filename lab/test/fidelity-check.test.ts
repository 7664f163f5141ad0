import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceSpan } from '@paytrace/trace-analysis';
import { checkPaymentTrace, worstProblem } from '../src/fidelity/check.js';

/** A payment's trace as Jaeger would return it: times in µs, parents by id. */
function span(
  id: string,
  parent: string | undefined,
  service: string,
  kind: string,
  start: number,
  end: number,
  tags: Record<string, unknown> = {},
): TraceSpan {
  return {
    traceId: 't1',
    spanId: id,
    parentSpanId: parent,
    service,
    name: `${service}-${id}`,
    kind,
    startTime: start,
    duration: end - start,
    tags,
    links: [],
    logs: [],
  };
}

const PAY = { 'paytrace.payment.id': 'pay_1' };
/** gateway root → four CLIENT calls → auth, balance ×2, payments SERVER spans. */
function plainSuccess(): TraceSpan[] {
  return [
    span('root', undefined, 'gateway', 'server', 0, 1000, PAY),
    span('c1', 'root', 'gateway', 'client', 10, 100),
    span('s1', 'c1', 'auth', 'server', 20, 90, PAY),
    span('c2', 'root', 'gateway', 'client', 110, 200),
    span('s2', 'c2', 'balance', 'server', 120, 190, PAY),
    span('q2', 's2', 'balance', 'client', 130, 180),
    span('c3', 'root', 'gateway', 'client', 210, 800),
    span('s3', 'c3', 'payments', 'server', 220, 790, PAY),
    span('c4', 'root', 'gateway', 'client', 810, 990),
    span('s4', 'c4', 'balance', 'server', 820, 980, PAY),
  ];
}

describe('checkPaymentTrace', () => {
  test('a whole, well-nested trace of one payment has no problem', () => {
    assert.deepEqual(checkPaymentTrace(plainSuccess(), { paymentId: 'pay_1' }), []);
  });

  test('a hop of another payment is cross-wired', () => {
    const spans = plainSuccess();
    spans.push(
      span('c5', 'root', 'gateway', 'client', 300, 400),
      span('s5', 'c5', 'payments', 'server', 310, 390, { 'paytrace.payment.id': 'pay_2' }),
    );
    const problems = checkPaymentTrace(spans, { paymentId: 'pay_1' });
    assert.equal(worstProblem(problems), 'cross-wired');
    assert.ok(problems.some((p) => p.detail.includes('pay_2')));
    assert.ok(problems.some((p) => p.detail === 'payments: 2 SERVER spans, expected 1'));
  });

  test('a missing hop makes it incomplete; a lost parent makes it malformed', () => {
    const withoutAuth = plainSuccess().filter((s) => s.spanId !== 's1');
    assert.equal(worstProblem(checkPaymentTrace(withoutAuth, { paymentId: 'pay_1' })), 'incomplete');
    const withoutClient = plainSuccess().filter((s) => s.spanId !== 'c3');
    const problems = checkPaymentTrace(withoutClient, { paymentId: 'pay_1' });
    assert.equal(worstProblem(problems), 'malformed');
    assert.ok(problems.some((p) => p.detail.startsWith('orphan payments server')));
  });

  test('a child outside its parent beyond the tolerance is mis-nested; within it, it is not', () => {
    const late = plainSuccess().map((s) => (s.spanId === 's3' ? { ...s, duration: s.duration + 10 + 301 } : s)); // ends 301 µs after c3
    assert.equal(worstProblem(checkPaymentTrace(late, { paymentId: 'pay_1' })), 'mis-nested');
    const barely = plainSuccess().map((s) => (s.spanId === 's3' ? { ...s, duration: s.duration + 10 + 300 } : s)); // exactly at the tolerance
    assert.deepEqual(checkPaymentTrace(barely, { paymentId: 'pay_1' }), []);
    const early = plainSuccess().map((s) => (s.spanId === 'q2' ? { ...s, startTime: 120 - 301 } : s));
    assert.match(checkPaymentTrace(early, { paymentId: 'pay_1' })[0]!.detail, /starts 301 µs before/);
  });

  test('a SERVER span under anything but a gateway CLIENT span is malformed', () => {
    const spans = plainSuccess().map((s) => (s.spanId === 's1' ? { ...s, parentSpanId: 'root' } : s));
    assert.equal(worstProblem(checkPaymentTrace(spans, { paymentId: 'pay_1' })), 'malformed');
  });
});
