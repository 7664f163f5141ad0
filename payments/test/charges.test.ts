import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.js';
import { loadPaymentsConfig } from '../src/config.js';
import { databaseUrl, stripeApiBase } from '../../test/support/env.js';
import { resetData, testPool, transactionsOf } from '../../test/support/db.js';
import { freePort } from '@paytrace/devstack';

const charge = (paymentId: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST' as const,
  url: '/v1/charges',
  payload: { payment_id: paymentId, account_id: 'acct_alice', amount: 1_500, currency: 'usd', ...extra },
});

describe('payments (against the real stripe-mock)', () => {
  const apps: Array<Awaited<ReturnType<typeof buildApp>>> = [];
  const db = testPool();
  const build = async (env: Record<string, string> = {}) => {
    const app = await buildApp({
      config: loadPaymentsConfig({ DATABASE_URL: databaseUrl, STRIPE_API_BASE: stripeApiBase, ...env }),
      logger: false,
    });
    apps.push(app);
    return app;
  };
  let app: Awaited<ReturnType<typeof buildApp>>;

  before(async () => {
    app = await build();
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await db.end();
  });

  test('a charge goes through Stripe and is logged as succeeded', async () => {
    const res = await app.inject(charge('pay_ok'));
    assert.equal(res.statusCode, 201);
    assert.match(res.json().stripe_charge_id, /^ch_/);
    assert.equal(res.json().charged_now, true);
    assert.deepEqual(await transactionsOf(db, 'pay_ok'), [{ status: 'succeeded', failure_code: null }]);
  });

  test('charging the same payment again answers from the log and charges nothing', async () => {
    const first = await app.inject(charge('pay_twice'));
    const second = await app.inject(charge('pay_twice'));
    assert.equal(second.statusCode, 201);
    assert.equal(second.json().charged_now, false);
    assert.equal(second.json().stripe_charge_id, first.json().stripe_charge_id);
    assert.equal((await transactionsOf(db, 'pay_twice')).length, 1);
  });

  test('concurrent charges of one payment: one Stripe charge', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => app.inject(charge('pay_race'))));
    const charged = results.filter((r) => r.statusCode === 201 && r.json().charged_now);
    assert.equal(charged.length, 1);
    for (const r of results) assert.ok([201, 409].includes(r.statusCode), String(r.statusCode));
    assert.deepEqual(await transactionsOf(db, 'pay_race'), [{ status: 'succeeded', failure_code: null }]);
  });

  test('Stripe rejecting the request (bad secret key: a real 401 from stripe-mock) is a 502, logged as failed', async () => {
    const badKeyApp = await build({ STRIPE_SECRET_KEY: 'not_a_stripe_key' });
    const res = await badKeyApp.inject(charge('pay_rejected'));
    assert.equal(res.statusCode, 502);
    assert.equal(res.json().error.code, 'payment_provider_error');
    assert.deepEqual(await transactionsOf(db, 'pay_rejected'), [{ status: 'failed', failure_code: 'payment_provider_error' }]);
  });

  test('Stripe unreachable is a 503, logged as failed', async () => {
    const nowhere = await build({ STRIPE_API_BASE: `http://127.0.0.1:${await freePort()}` });
    const res = await nowhere.inject(charge('pay_unreachable'));
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'dependency_unavailable');
    assert.deepEqual(await transactionsOf(db, 'pay_unreachable'), [{ status: 'failed', failure_code: 'dependency_unavailable' }]);
  });

  test('payment status and recent transactions', async () => {
    await app.inject(charge('pay_list', { description: 'coffee' }));
    const status = await app.inject('/v1/charges/pay_list');
    assert.deepEqual(status.json(), { payment_id: 'pay_list', status: 'succeeded' });
    assert.equal((await app.inject('/v1/charges/pay_never')).json().status, 'unknown');
    const list = await app.inject('/v1/transactions?account_id=acct_alice&limit=5');
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().transactions[0].description, 'coffee');
    assert.equal((await app.inject('/v1/transactions?account_id=acct_alice&limit=0')).statusCode, 400);
  });

  test('readyz checks Postgres and Stripe', async () => {
    const res = await app.inject('/readyz');
    assert.deepEqual(res.json(), { status: 'ready', checks: { postgres: 'ok', stripe: 'ok' } });
  });

  test('invalid charges are 400s', async () => {
    for (const extra of [{ amount: -1 }, { amount: 1.5 }, { currency: 'USD' }, { surprise: true }]) {
      assert.equal((await app.inject(charge('pay_bad', extra))).statusCode, 400, JSON.stringify(extra));
    }
  });
});
