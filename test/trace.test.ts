import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { databaseUrl, stripeApiBase, stripePort } from './support/env.js';
import { resetData } from './support/db.js';
import { describeTrace, waitForTrace, type TraceSpan } from './support/jaeger.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { assertWellFormed, isError, randomHex, SERVICES } from './support/trace-assertions.js';

/**
 * Traces are the product: each test makes a real request through the four services, the real
 * OpenTelemetry Collector and the real Jaeger, then fetches the trace from Jaeger's HTTP API
 * and asserts its shape.
 */

const childrenOf = (spans: TraceSpan[], parent: TraceSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

/** Every span below `root` (its subtree), root included. */
function subtree(spans: TraceSpan[], root: TraceSpan): TraceSpan[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(spans, out[i]!));
  return out;
}

/** The SERVER span of `service` for `route`, and the gateway CLIENT span that called it. */
function hop(spans: TraceSpan[], service: string, route: string): { client: TraceSpan; server: TraceSpan } {
  const server = spans.find((s) => s.service === service && s.kind === 'server' && s.tags['http.route'] === route);
  assert.ok(server, `a SERVER span ${service} ${route}:\n${describeTrace(spans)}`);
  const client = spans.find((s) => s.spanId === server.parentSpanId);
  assert.ok(client, `the parent of ${service} ${route}`);
  assert.equal(client.kind, 'client', `${service} ${route} is called by a CLIENT span`);
  assert.equal(client.service, 'gateway');
  return { client, server };
}

/** Query spans (pg.query:…); the pool's `pg-pool.connect` spans are not queries. */
const sqlSpans = (spans: TraceSpan[], service: string) =>
  spans.filter((s) => s.service === service && s.tags['db.system.name'] === 'postgresql' && s.tags['db.query.text'] !== undefined);

describe('a payment as one trace in Jaeger', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ databaseUrl, stripeApiBase, env: { LOG_LEVEL: 'info' } });
  });
  beforeEach(() => resetData(databaseUrl));
  after(() => stack?.stop());

  test('a successful payment: every hop, every SQL query, the Stripe call, one root', async () => {
    const idempotencyKey = `trace-${randomHex(4)}`;
    const res = await stack.pay({ amount: 2_500, currency: 'usd', description: 'trace me' }, { idempotencyKey });
    assert.equal(res.status, 201);
    const traceId: string = res.body.trace_id;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.match(res.headers.get('traceresponse') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const spans = await waitForTrace(traceId, { minSpans: 20 });
    const root = assertWellFormed(spans);
    assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), SERVICES);

    // The root: the gateway's SERVER span for the public route, with the business outcome.
    assert.equal(root.service, 'gateway');
    assert.equal(root.kind, 'server');
    assert.equal(root.tags['http.route'], '/process-payment');
    assert.equal(root.tags['http.response.status_code'], 201);
    assert.equal(isError(root), false);
    assert.equal(root.tags['paytrace.payment.id'], res.body.payment_id);
    assert.equal(root.tags['paytrace.payment.amount'], 2_500);
    assert.equal(root.tags['paytrace.payment.currency'], 'usd');
    assert.equal(root.tags['paytrace.payment.outcome'], 'succeeded');
    // The client's Idempotency-Key as the UI's find box searches it: hashed (the key itself stays out, below).
    assert.equal(root.tags['paytrace.idempotency.key_sha256'], createHash('sha256').update(idempotencyKey).digest('hex'));
    assert.equal(res.headers.get('traceresponse')?.split('-')[2], root.spanId, 'traceresponse names the root span');

    // CLIENT → SERVER pairs for every hop, in the lesson's order.
    const auth = hop(spans, 'auth', '/v1/keys/verify');
    const holdPlaced = hop(spans, 'balance', '/v1/holds');
    const charge = hop(spans, 'payments', '/v1/charges');
    const capture = hop(spans, 'balance', '/v1/holds/:hold_key/capture');
    const order = [auth, holdPlaced, charge, capture].map((h) => h.server.startTime);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `hops in order auth → hold → charge → capture:\n${describeTrace(spans)}`,
    );
    for (const { client, server } of [auth, holdPlaced, charge, capture]) {
      assert.ok(subtree(spans, root).includes(client), 'every hop hangs under the root');
      assert.ok(server.startTime >= client.startTime, 'the server span starts inside its client span');
    }

    // A span for every SQL query, under the service that ran it, parameterised.
    for (const [service, below] of [
      ['auth', auth.server],
      ['balance', holdPlaced.server],
      ['payments', charge.server],
      ['gateway', root],
    ] as const) {
      const queries = sqlSpans(spans, service);
      assert.ok(queries.length > 0, `${service} has SQL spans:\n${describeTrace(spans)}`);
      for (const q of queries) {
        assert.equal(q.kind, 'client');
        assert.ok(subtree(spans, below).includes(q) || service === 'balance', `${service} SQL under its own request`);
        assert.equal(typeof q.tags['db.query.text'], 'string');
        assert.equal(q.tags['db.namespace'], 'paytrace');
      }
    }
    const balanceSql = sqlSpans(spans, 'balance').map((q) => String(q.tags['db.query.text']));
    assert.ok(
      balanceSql.some((q) => /UPDATE balance\.balances SET balance = balance - \$1/.test(q)),
      'the conditional debit, with $1 not a value',
    );

    // The Stripe call: a CLIENT span from payments, to stripe-mock's /v1/charges.
    const stripe = spans.find((s) => s.service === 'payments' && s.kind === 'client' && String(s.tags['url.full'] ?? '').includes('/v1/charges'));
    assert.ok(stripe, `the Stripe CLIENT span:\n${describeTrace(spans)}`);
    assert.equal(stripe.tags['server.port'], stripePort);
    assert.equal(stripe.tags['http.response.status_code'], 200);
    assert.ok(subtree(spans, charge.server).includes(stripe));

    // The transaction is logged after Stripe answered (the lesson's "Log Transaction").
    const logged = sqlSpans(spans, 'payments').find((q) => String(q.tags['db.query.text']).startsWith('UPDATE payments.transactions'));
    assert.ok(logged && logged.startTime >= stripe.startTime + stripe.duration, 'transaction logged after the Stripe call');
  });

  test('service logs carry trace_id and span_id', async () => {
    const res = await stack.pay({ amount: 100, currency: 'usd' }, { key: 'test_key_mallory' });
    assert.equal(res.status, 401);
    const traceId = res.headers.get('traceresponse')!.split('-')[1]!;
    await waitForTrace(traceId, { minSpans: 3 });
    const lines = stack.logLines.filter((l) => l.includes(traceId));
    assert.ok(
      lines.some((l) => l.startsWith('gateway|')),
      'the gateway logged for this trace',
    );
    assert.ok(
      lines.some((l) => l.startsWith('auth|')),
      'auth logged for this trace',
    );
    for (const line of lines) assert.match(line, /"span_id":"[0-9a-f]{16}"/);
  });

  test('insufficient funds: a 402 recorded as the HTTP conventions say', async () => {
    const res = await stack.pay({ amount: 6_000, currency: 'usd' }, { key: 'test_key_bob' });
    assert.equal(res.status, 402);
    const traceId = res.headers.get('traceresponse')!.split('-')[1]!;
    const spans = await waitForTrace(traceId, { minSpans: 8 });
    const root = assertWellFormed(spans);
    // A 4xx is the client's doing: the SERVER spans answer it without being in error…
    assert.equal(root.tags['http.response.status_code'], 402);
    assert.equal(isError(root), false, 'a 4xx leaves a SERVER span status unset');
    assert.equal(root.tags['paytrace.error.code'], 'insufficient_funds');
    assert.equal(root.tags['paytrace.payment.outcome'], 'insufficient_funds');
    const { client, server } = hop(spans, 'balance', '/v1/holds');
    assert.equal(server.tags['http.response.status_code'], 402);
    assert.equal(isError(server), false);
    // …while for the CLIENT that got it, a 4xx is an error.
    assert.equal(client.tags['http.response.status_code'], 402);
    assert.equal(isError(client), true);
    assert.equal(client.tags['error.type'], '402');
    // Nothing was charged: no call to payments.
    assert.equal(
      spans.some((s) => s.service === 'payments'),
      false,
    );
  });

  test('no span or log holds the API key, the Authorization header or SQL parameter values', async () => {
    const res = await stack.pay({ amount: 777, currency: 'usd' }, { key: 'test_key_bob', idempotencyKey: 'secret-idem-key-1' });
    assert.equal(res.status, 201);
    const spans = await waitForTrace(res.body.trace_id, { minSpans: 20 });
    const everything = JSON.stringify(spans) + stack.logLines.join('\n');
    for (const secret of ['test_key_bob', 'test_key_alice', 'Bearer ', 'secret-idem-key-1']) {
      assert.equal(everything.includes(secret), false, `"${secret}" must not be in telemetry`);
    }
    for (const s of spans) {
      for (const key of Object.keys(s.tags)) {
        assert.doesNotMatch(key, /authorization|db\.query\.parameter|db\.statement\.parameters|values/i, `${s.service} ${s.name} has ${key}`);
      }
    }
    // SQL text is parameterised: the account id is a parameter, never in the text.
    for (const q of spans.filter((s) => s.tags['db.query.text'])) {
      assert.equal(String(q.tags['db.query.text']).includes('acct_bob'), false);
    }
  });
});

describe('when Stripe rejects the charge', () => {
  let stack: TestStack;
  before(async () => {
    // A real rejection from the real stripe-mock: it answers 401 to a secret key it does not accept.
    stack = await startTestStack({ databaseUrl, stripeApiBase, envFor: { payments: { STRIPE_SECRET_KEY: 'not_a_stripe_key' } } });
    await resetData(databaseUrl);
  });
  after(() => stack?.stop());

  test('ERROR where it happened (the Stripe call, payments) and on the root', async () => {
    const res = await stack.pay({ amount: 900, currency: 'usd' });
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'payment_provider_error');
    const traceId = res.headers.get('traceresponse')!.split('-')[1]!;
    const spans = await waitForTrace(traceId, { minSpans: 15 });
    const root = assertWellFormed(spans);

    const stripe = spans.find((s) => s.service === 'payments' && s.kind === 'client' && String(s.tags['url.full'] ?? '').includes('/v1/charges'));
    assert.ok(stripe);
    assert.equal(stripe.tags['http.response.status_code'], 401);
    assert.equal(isError(stripe), true, 'the Stripe CLIENT span is in error');

    const charge = hop(spans, 'payments', '/v1/charges');
    assert.equal(isError(charge.server), true, 'payments SERVER span is in error');
    assert.equal(charge.server.tags['error.type'], 'payment_provider_error');

    assert.equal(isError(root), true, 'the root is in error');
    assert.equal(root.tags['error.type'], 'payment_provider_error');
    assert.equal(root.tags['http.response.status_code'], 502);

    // And the hold was released, in the same trace.
    hop(spans, 'balance', '/v1/holds/:hold_key/release');
  });
});
