import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { earliestStartMs, serviceMap, samplingWeightOf, type MapEdge, type TraceSpan } from '../src/index.js';
import { span } from './fixtures/detective-traces.js';

const AUTH = { 'server.address': '127.0.0.1', 'server.port': 8081, 'url.full': 'http://127.0.0.1:8081/v1/keys/verify' };
const BALANCE = { 'server.address': '127.0.0.1', 'server.port': 8082, 'url.full': 'http://127.0.0.1:8082/v1/holds' };
const PAYMENTS = { 'server.address': '127.0.0.1', 'server.port': 8083, 'url.full': 'http://127.0.0.1:8083/v1/charges' };
const STRIPE = { 'server.address': '127.0.0.1', 'server.port': 12111, 'url.full': 'http://127.0.0.1:12111/v1/charges' };
const PG = { 'db.system.name': 'postgresql', 'server.address': '127.0.0.1', 'server.port': 5433 };

/** A payment as the stack makes it: gateway → auth, balance, payments; each → Postgres; payments → Stripe. `stripeMs`: Stripe's time. */
function payment(t: string, options: { stripeMs?: number; stripeStatus?: number; extra?: Record<string, unknown> } = {}): TraceSpan[] {
  const s = options.stripeMs ?? 3;
  return [
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, 30 + s, { 'http.response.status_code': 201, ...options.extra }, t),
    span('auth-c', 'root', 'gateway', 'POST', 'client', 1, 5, { ...AUTH, 'http.response.status_code': 200 }, t),
    span('auth-s', 'auth-c', 'auth', 'POST /v1/keys/verify', 'server', 2, 4, {}, t),
    span('auth-q', 'auth-s', 'auth', 'pg.query:SELECT paytrace', 'client', 2, 3, PG, t),
    span('hold-c', 'root', 'gateway', 'POST', 'client', 5, 12, { ...BALANCE, 'http.response.status_code': 201 }, t),
    span('hold-s', 'hold-c', 'balance', 'POST /v1/holds', 'server', 6, 11, {}, t),
    span('hold-q1', 'hold-s', 'balance', 'pg.query:BEGIN paytrace', 'client', 6, 7, PG, t),
    span('hold-q2', 'hold-s', 'balance', 'pg.query:UPDATE paytrace', 'client', 7, 10, PG, t),
    span('charge-c', 'root', 'gateway', 'POST', 'client', 12, 21 + s, { ...PAYMENTS, 'http.response.status_code': 201 }, t),
    span('charge-s', 'charge-c', 'payments', 'POST /v1/charges', 'server', 13, 20 + s, {}, t),
    span('stripe', 'charge-s', 'payments', 'POST', 'client', 14, 14 + s, { ...STRIPE, 'http.response.status_code': options.stripeStatus ?? 200 }, t),
    span('charge-q', 'charge-s', 'payments', 'pg.query:INSERT paytrace', 'client', 14 + s, 15 + s, PG, t),
  ];
}

const edge = (edges: MapEdge[], from: string, to: string) => {
  const found = edges.find((e) => e.from === from && e.to === to);
  assert.ok(found, `an edge ${from} → ${to} in ${edges.map((e) => `${e.from}→${e.to}`).join(', ')}`);
  return found;
};

describe('the service map from traces', () => {
  test('edges: client → gateway → auth, balance, payments → postgres, and payments → Stripe by host:port; columns left to right', () => {
    const traces = Array.from({ length: 20 }, (_, i) => payment(`t${i}`));
    const map = serviceMap([{ traces }], { windowMs: 10_000 });
    assert.deepEqual(
      map.edges.map((e) => `${e.from}→${e.to}`),
      [
        'auth→postgres',
        'balance→postgres',
        'client→gateway',
        'gateway→auth',
        'gateway→balance',
        'gateway→payments',
        'payments→127.0.0.1:12111',
        'payments→postgres',
      ],
    );
    assert.deepEqual(
      map.nodes.map((n) => `${n.column} ${n.kind} ${n.id}`),
      [
        '0 client client',
        '1 service gateway',
        '2 service auth',
        '2 service balance',
        '2 service payments',
        '3 outside 127.0.0.1:12111',
        '3 database postgres',
      ],
    );
    assert.equal(map.traces, 20);
    assert.deepEqual(map.samplingProbabilities, []);
    // 20 traces in 10 s: 2 calls a second on each hop; balance queries twice per payment.
    assert.equal(edge(map.edges, 'gateway', 'auth').perSecond, 2);
    assert.equal(edge(map.edges, 'balance', 'postgres').perSecond, 4);
    assert.equal(edge(map.edges, 'balance', 'postgres').spans, 40);
    assert.equal(edge(map.edges, 'balance', 'postgres').traces, 20);
    assert.deepEqual(edge(map.edges, 'gateway', 'auth').addresses, ['127.0.0.1:8081']);
    assert.deepEqual(edge(map.edges, 'gateway', 'auth').search, {
      service: 'gateway',
      tags: { 'server.address': '127.0.0.1', 'server.port': '8081' },
    });
    assert.deepEqual(edge(map.edges, 'auth', 'postgres').search, { service: 'auth', tags: { 'db.system.name': 'postgresql' } });
    assert.deepEqual(edge(map.edges, 'client', 'gateway').search, { service: 'gateway', tags: {} });
    assert.equal(edge(map.edges, 'client', 'gateway').errorRate, 0);
  });

  test('p95 of the caller’s CLIENT spans, and the error rate from 5xx, status ERROR and the error tag', () => {
    // Stripe takes 1..20 ms: p95 of 20 values by nearest rank is the 19th, 19 ms.
    const traces = Array.from({ length: 20 }, (_, i) => payment(`t${i}`, { stripeMs: i + 1, ...(i === 0 ? { stripeStatus: 502 } : {}) }));
    traces[1]!.find((s) => s.spanId === 'auth-c')!.tags['otel.status_code'] = 'ERROR';
    traces[2]!.find((s) => s.spanId === 'auth-c')!.tags.error = true;
    const map = serviceMap([{ traces }], { windowMs: 60_000 });
    const stripe = edge(map.edges, 'payments', '127.0.0.1:12111');
    assert.equal(stripe.p95Us, 19_000);
    assert.equal(stripe.errorRate, 1 / 20);
    assert.equal(edge(map.edges, 'gateway', 'auth').errorRate, 2 / 20);
    assert.equal(edge(map.edges, 'gateway', 'balance').errorRate, 0);
    // The gateway's span of a 4 ms hop to auth: every one is 4 ms.
    assert.equal(edge(map.edges, 'gateway', 'auth').p95Us, 4_000);
  });

  test('a failed payment: its root answered 502, so the client → gateway edge has an error', () => {
    const traces = [
      payment('ok1'),
      payment('ok2'),
      payment('ok3'),
      payment('bad', { extra: { 'http.response.status_code': 502, 'otel.status_code': 'ERROR' } }),
    ];
    const map = serviceMap([{ traces }], { windowMs: 60_000 });
    assert.equal(edge(map.edges, 'client', 'gateway').errorRate, 0.25);
  });

  test('per-service samples count only their own service’s calls', () => {
    const traces = Array.from({ length: 10 }, (_, i) => payment(`t${i}`));
    // The gateway's search returned all ten traces; auth's five of them.
    const map = serviceMap(
      [
        { service: 'gateway', traces },
        { service: 'auth', traces: traces.slice(0, 5) },
      ],
      { windowMs: 10_000 },
    );
    assert.equal(edge(map.edges, 'gateway', 'auth').calls, 10);
    assert.equal(edge(map.edges, 'auth', 'postgres').calls, 5);
    assert.equal(edge(map.edges, 'auth', 'postgres').spans, 5);
    assert.ok(!map.edges.some((e) => e.from === 'balance'), 'balance was not searched, so its calls are not counted from the gateway’s traces');
  });

  test('sampling: a span with ot=th in its tracestate counts 1/p', () => {
    const traces = [payment('t0')];
    // th:c = 0xc/16 = 0.75 rejected, so p = 1/4.
    for (const s of traces[0]!) s.tags['w3c.tracestate'] = 'ot=rv:0123456789abcd;th:c';
    assert.equal(samplingWeightOf(traces[0]![0]!), 4);
    const map = serviceMap([{ traces }], { windowMs: 1_000 });
    assert.deepEqual(map.samplingProbabilities, [0.25]);
    assert.equal(edge(map.edges, 'gateway', 'auth').calls, 4);
    assert.equal(edge(map.edges, 'gateway', 'auth').perSecond, 4);
    assert.equal(samplingWeightOf(payment('t1')[0]!), undefined);
    // Always on writes th:0 (p = 1): every span counts once.
    const kept = payment('t2')[0]!;
    kept.tags['w3c.tracestate'] = 'ot=th:0';
    assert.equal(samplingWeightOf(kept), 1);
  });

  test('earliestStartMs: where a page of a search reached back to', () => {
    const t0 = 1_000_000; // ms: the fixture spans start at 1e9 µs
    // Where a page reached: the earliest span of the service searched (auth's start 2 ms after the root).
    assert.equal(earliestStartMs([payment('a'), payment('b')], 'auth'), t0 + 2);
    assert.equal(earliestStartMs([payment('a')]), t0);
  });
});
