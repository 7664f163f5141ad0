import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AppError } from '@paytrace/services';
import { StripeClient } from '../src/stripe.js';
import { StripeBreaker, type StripeBreakerOptions } from '../src/stripe-breaker.js';

/**
 * The circuit breaker around Stripe, against a fake Stripe on 127.0.0.1 that can answer, fail,
 * decline, hang or answer slowly, and counts what reaches it. No database, no stack.
 */
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

type Mode = 'ok' | 'fail' | 'busy' | 'decline' | 'reject' | 'hang' | 'slow';
const fake = { mode: 'ok' as Mode, charges: 0, pings: 0, slowMs: 150 };
let server: Server;
let baseUrl: string;

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/v1/balance') {
      // The readiness ping and the breaker's probe: a Stripe that is down is down for reads too.
      fake.pings++;
      if (fake.mode === 'hang') return undefined;
      const status = fake.mode === 'fail' ? 500 : fake.mode === 'busy' ? 429 : 200;
      return res.writeHead(status, { 'content-type': 'application/json' }).end('{"object":"balance"}');
    }
    fake.charges++;
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (fake.mode) {
      case 'ok':
        return answer(200, { id: `ch_${fake.charges}`, status: 'succeeded', paid: true });
      case 'fail':
        return answer(500, { error: { type: 'api_error' } });
      case 'busy':
        return answer(429, { error: { type: 'rate_limit_error' } });
      case 'decline':
        return answer(402, { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' } });
      case 'reject':
        return answer(400, { error: { type: 'invalid_request_error' } });
      case 'hang':
        return undefined; // never answers; the client's deadline ends it
      case 'slow':
        setTimeout(() => answer(200, { id: `ch_${fake.charges}`, status: 'succeeded', paid: true }), fake.slowMs);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const clients: StripeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  fake.mode = 'ok';
  fake.charges = 0;
  fake.pings = 0;
});

/** Small numbers, so a test takes a few hundred ms: 3 calls, 200 ms open (± 20%). */
const quick: Partial<StripeBreakerOptions> = { volumeThreshold: 3, errorThresholdPercentage: 50, rollingWindowMs: 2_000, resetTimeoutMs: 200 };

function client(breaker: Partial<StripeBreakerOptions> = quick, timeoutMs = 1_000) {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const log = {
    info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
  };
  const stripe = new StripeClient({ baseUrl, secretKey: 'sk_test_secret', source: 'tok_visa', timeoutMs, maxConnections: 4, breaker, log });
  clients.push(stripe);
  return { stripe, lines };
}

let payments = 0;
const charge = (stripe: StripeClient, connections = 0) =>
  stripe.charge({ paymentId: `pay_${++payments}`, amount: 4242, currency: 'usd' }, connections);

/** The AppError a charge ends with (or undefined when it succeeds). */
const outcome = (stripe: StripeClient, connections = 0) =>
  charge(stripe, connections).then(
    () => undefined,
    (err: unknown) => (err instanceof AppError ? err : assert.fail(`not an AppError: ${String(err)}`)),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openIt(stripe: StripeClient): Promise<void> {
  fake.mode = 'fail';
  for (let i = 0; i < 3; i++) assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
  assert.equal(stripe.breaker.state, 'open');
}

describe('the circuit breaker around Stripe', () => {
  test('opens after Stripe fails, then fails fast without reaching Stripe, with Retry-After', async () => {
    const { stripe, lines } = client();
    await openIt(stripe);
    assert.equal(fake.charges, 3);

    const started = performance.now();
    const refused = await outcome(stripe);
    assert.ok(performance.now() - started < 100, 'at once');
    assert.equal(refused?.statusCode, 503);
    assert.equal(refused?.code, 'payment_provider_unavailable');
    assert.equal(refused?.retryAfterSeconds, 1, 'the probe is under a second away, rounded up');
    assert.match(refused!.message, /circuit breaker open/);
    assert.equal(fake.charges, 3, 'nothing reached Stripe');

    assert.deepEqual(
      lines.map((l) => [l.level, (l.fields as { state: string }).state]),
      [['warn', 'open']],
      'the change is logged once',
    );
    assert.equal((lines[0]!.fields as { cause: string }).cause, 'payment_provider_unavailable');
    assert.doesNotMatch(JSON.stringify(lines), /4242|sk_test|tok_visa|pay_/, 'no amounts, keys, cards or payments in its logs');
  });

  test('half-open after the pause: a single probe (a read, not a charge), whose success closes it and lets the charge through', async () => {
    const { stripe, lines } = client();
    await openIt(stripe);
    fake.mode = 'ok';
    await sleep(260); // 200 ms + 20%
    assert.equal(stripe.breaker.state, 'half_open');

    const [probed, other] = await Promise.all([outcome(stripe), outcome(stripe)]);
    assert.equal(probed, undefined, 'the charge that found it half-open went through after the probe');
    assert.equal(other?.code, 'payment_provider_unavailable', 'the second charge is refused while the probe is out');
    assert.equal(fake.pings, 1, 'one probe reached Stripe');
    assert.equal(fake.charges, 4, 'then the one charge');
    assert.equal(stripe.breaker.state, 'closed');

    assert.equal(await outcome(stripe), undefined);
    assert.equal(fake.charges, 5, 'closed: charges reach Stripe again');
    assert.deepEqual(
      lines.map((l) => (l.fields as { state: string }).state),
      ['open', 'half_open', 'closed'],
    );
  });

  test('a failed probe opens it again, and the charge that found it half-open is not sent', async () => {
    const { stripe } = client();
    await openIt(stripe);
    await sleep(260);
    const probedAt = Date.now();
    assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    assert.equal(fake.pings, 1);
    assert.equal(fake.charges, 3);
    assert.equal(stripe.breaker.state, 'open');
    // A new pause (≥ 160 ms) began at the failed probe; judged from the probe, so a busy machine's
    // delay between the probe and this line does not count against it.
    const pause = Date.now() - probedAt + stripe.breaker.msUntilProbe();
    assert.ok(pause >= 150, `a new pause after the failed probe: ${pause} ms`);
  });

  test('Stripe hanging: a half-open probe costs the customer its own short deadline (1 s), not a charge deadline', async () => {
    const { stripe } = client(quick, 5_000);
    await openIt(stripe);
    fake.mode = 'hang';
    await sleep(260);
    const started = performance.now();
    assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    const waited = performance.now() - started;
    assert.ok(waited >= 900 && waited < 2_000, `waited ${Math.round(waited)} ms`);
    assert.equal(fake.charges, 3, 'no charge was sent to a Stripe that does not answer');
    assert.equal(stripe.breaker.state, 'open');
  });

  test('transport failures count: Stripe hanging past the deadline opens it', async () => {
    const { stripe } = client(quick, 100);
    fake.mode = 'hang';
    for (let i = 0; i < 3; i++) assert.equal((await outcome(stripe))?.code, 'dependency_timeout');
    assert.equal(stripe.breaker.state, 'open');
    assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    assert.equal(fake.charges, 3);
  });

  test('Stripe’s 429 counts too', async () => {
    const { stripe } = client();
    fake.mode = 'busy';
    for (let i = 0; i < 3; i++) assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    assert.equal(stripe.breaker.state, 'open');
  });

  test('an error of payments’ own (not Stripe’s) does not count', async () => {
    const breaker = new StripeBreaker(quick);
    for (let i = 0; i < 6; i++) await breaker.run(() => Promise.reject(new TypeError('a bug'))).catch(() => undefined);
    assert.equal(breaker.state, 'closed');
    breaker.close();
  });

  test('declines and rejected requests are Stripe working: they never open it', async () => {
    const { stripe } = client();
    fake.mode = 'decline';
    for (let i = 0; i < 6; i++) assert.equal((await outcome(stripe))?.code, 'card_declined');
    fake.mode = 'reject';
    for (let i = 0; i < 6; i++) assert.equal((await outcome(stripe))?.code, 'payment_provider_error');
    assert.equal(stripe.breaker.state, 'closed');
    assert.equal(fake.charges, 12);
  });

  test('a slow answer within the deadline is a success, and its latency stays Stripe’s', async () => {
    const { stripe } = client(quick, 1_000);
    fake.mode = 'slow';
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => outcome(stripe)));
    assert.deepEqual(results, Array(6).fill(undefined));
    assert.ok(performance.now() - started >= 140, 'the breaker adds no timeout of its own');
    assert.equal(stripe.breaker.state, 'closed');
  });

  test('the pools of the stripe-pool-size fault share the one breaker', async () => {
    const { stripe } = client();
    fake.mode = 'fail';
    for (let i = 0; i < 3; i++) await outcome(stripe, 2);
    assert.equal(stripe.breaker.state, 'open');
    assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    assert.equal(fake.charges, 3, 'the configured pool is refused too');
  });

  test('the readiness ping is outside the breaker', async () => {
    const { stripe } = client();
    await openIt(stripe);
    assert.equal(await stripe.ping(), true);
    assert.equal(fake.pings, 1);
  });

  test('the pause is jittered: resetTimeout × (1 ± jitter)', async () => {
    for (const [random, low, high] of [
      [0, 700, 800],
      [1, 1_100, 1_200],
    ] as const) {
      // A breaker of its own, with a fixed draw, over calls that fail like an unreachable Stripe.
      const breaker = new StripeBreaker({ ...quick, resetTimeoutMs: 1_000, resetJitter: 0.2 }, undefined, () => random);
      const unreachable = () => Promise.reject(new AppError(503, 'dependency_unavailable', 'unreachable'));
      for (let i = 0; i < 3; i++) await breaker.run(unreachable).catch(() => undefined);
      const pause = breaker.msUntilProbe();
      breaker.close();
      assert.ok(pause > low - 50 && pause <= high, `${pause} ms in (${low}, ${high}]`);
    }
  });

  test('off: every charge reaches Stripe', async () => {
    const { stripe } = client({ ...quick, enabled: false });
    fake.mode = 'fail';
    for (let i = 0; i < 6; i++) assert.equal((await outcome(stripe))?.code, 'payment_provider_unavailable');
    assert.equal(fake.charges, 6);
    assert.equal(stripe.breaker.state, 'closed');
  });

  test('on the charge’s span: paytrace.breaker.state, and paytrace.breaker.rejected when it fails fast', async () => {
    const { stripe } = client();
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const inSpan = async (name: string) => {
      const span = tracer.startSpan(name);
      await context.with(trace.setSpan(ROOT_CONTEXT, span), () => outcome(stripe));
      span.end();
      return exporter.getFinishedSpans().find((s) => s.name === name)!;
    };
    const passed = await inSpan('charge while closed');
    assert.equal(passed.attributes['paytrace.breaker.state'], 'closed');
    assert.deepEqual(passed.events, []);

    await openIt(stripe);
    const refused = await inSpan('charge while open');
    assert.equal(refused.attributes['paytrace.breaker.state'], 'open');
    const event = refused.events.find((e) => e.name === 'paytrace.breaker.rejected');
    assert.ok(event, 'a paytrace.breaker.rejected event');
    assert.equal(event.attributes!['paytrace.breaker.retry_after_s'], 1);
    assert.equal(event.attributes!['paytrace.dependency'], 'stripe');
  });
});
