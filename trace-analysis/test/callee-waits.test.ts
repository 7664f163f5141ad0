import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTrace, calleeWaits, calleeWaitStats, verdict } from '../src/index.js';
import { paymentTrace, span } from './fixtures/detective-traces.js';

/**
 * A payment whose call to auth waits `authWaitMs` before auth's SERVER span starts (auth stopped
 * when the request came), then auth works 2 ms; balance and payments as usual (Stripe 3 ms).
 */
function payment(i: number, authWaitMs: number) {
  const t = `t${i}`;
  const w = authWaitMs;
  return analyzeTrace([
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, 30 + w, { 'http.response.status_code': 201 }, t),
    span('auth-c', 'root', 'gateway', 'POST', 'client', 1, 5 + w, { 'http.request.method': 'POST' }, t),
    span('auth-s', 'auth-c', 'auth', 'POST /v1/keys/verify', 'server', 2 + w, 4 + w, {}, t),
    span('hold-c', 'root', 'gateway', 'POST', 'client', 5 + w, 12 + w, { 'http.request.method': 'POST' }, t),
    span('hold-s', 'hold-c', 'balance', 'POST /v1/holds', 'server', 6 + w, 11 + w, {}, t),
    span('charge-c', 'root', 'gateway', 'POST', 'client', 12 + w, 21 + w, { 'http.request.method': 'POST' }, t),
    span('charge-s', 'charge-c', 'payments', 'POST /v1/charges', 'server', 13 + w, 20 + w, {}, t),
    span('stripe', 'charge-s', 'payments', 'POST', 'client', 14 + w, 17 + w, { 'url.full': 'http://127.0.0.1:12111/v1/charges' }, t),
  ]);
}

test('callee waits: the part of each hop’s wait on the critical path, summed per callee', () => {
  const waits = calleeWaits(payment(0, 30));
  assert.equal(waits.get('auth'), 31_000, '1 ms of network plus 30 ms stopped');
  assert.equal(waits.get('balance'), 1_000);
  assert.equal(waits.get('payments'), 1_000);
  // A hop off the critical path (a call running alongside a longer one) waits for nobody.
  const t = 'side';
  const side = analyzeTrace([
    span('root', undefined, 'gateway', 'GET /accounts/me', 'server', 0, 50, {}, t),
    span('slow-c', 'root', 'gateway', 'GET', 'client', 1, 49, {}, t),
    span('slow-s', 'slow-c', 'payments', 'GET /x', 'server', 2, 48, {}, t),
    span('side-c', 'root', 'gateway', 'GET', 'client', 1, 30, {}, t),
    span('side-s', 'side-c', 'balance', 'GET /y', 'server', 25, 29, {}, t),
  ]);
  assert.deepEqual([...calleeWaits(side)], [['payments', 1_000]]);
});

test('a service stopped a third of the time is named from the waits before it starts, with advice about its process', () => {
  // Every third payment arrived while auth was stopped and waited 60 ms for it.
  const traces = Array.from({ length: 30 }, (_, i) => payment(i, i % 3 === 0 ? 60 : 0));
  const [auth] = calleeWaitStats(traces);
  assert.equal(auth!.service, 'auth');
  assert.equal(auth!.traces, 30);
  assert.equal(auth!.p95Us, 61_000);
  const v = verdict(traces);
  assert.deepEqual(v.culprit && { ...v.culprit, share: undefined }, {
    service: 'auth',
    operation: 'requests waiting to start',
    kind: 'stalled',
    share: undefined,
  });
  assert.equal(v.culprit!.share, auth!.meanShare);
  assert.match(
    v.sentence,
    /^auth started its requests 21\.0 ms after they were sent on average \(p95 61\.0 ms\), \d+% of the critical path \(p95 \d+%\) over 30 traces, before any span of its own: its process is not getting CPU or its listen queue is full\. Look at auth's process first/,
  );
  assert.match(v.sentence, /event-loop delay/);
  assert.match(v.sentence, /listen backlog/);
});

test('healthy hops (a millisecond each) name nobody; a stall under an operation that holds more of the path does not displace it', () => {
  const healthy = verdict(Array.from({ length: 30 }, (_, i) => payment(i, 0)));
  assert.notEqual(healthy.culprit?.kind, 'stalled', healthy.sentence);
  assert.ok(healthy.calleeWaits.every((w) => w.p95Us <= 1_000));

  // Stripe 600 ms in every payment: a 60 ms stall of auth in each is not what to fix first.
  const slowStripe = Array.from({ length: 30 }, (_, i) => analyzeTrace(paymentTrace({ traceId: `s${i}`, stripeMs: 600 })));
  const mixed = verdict([...slowStripe, ...Array.from({ length: 30 }, (_, i) => payment(i, 60))], { minStallShare: 0.01 });
  assert.equal(mixed.culprit?.kind, 'latency', mixed.sentence);
  assert.equal(mixed.culprit?.target, '127.0.0.1:12111/v1/charges');
});
