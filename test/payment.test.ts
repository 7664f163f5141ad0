import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseUrl, stripeApiBase } from './support/env.js';
import { balanceOf, resetData, testPool, transactionsOf } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';

/** POST /process-payment through the four real services, real Postgres and the real stripe-mock. */
describe('process-payment, end to end', () => {
  let stack: TestStack;
  const db = testPool();

  before(async () => {
    // 50 payments at once (the concurrency tests below) are more than the gateway admits at once
    // by default (MAX_PAYMENTS_IN_FLIGHT, 32; the rest would be shed with 503): these tests are
    // about money under concurrency, not about shedding, so they get room for all of them.
    stack = await startTestStack({ databaseUrl, stripeApiBase, envFor: { gateway: { MAX_PAYMENTS_IN_FLIGHT: '64' } } });
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await stack?.stop();
    await db.end();
  });

  test('a successful payment: 201, debited once, charged once, logged', async () => {
    const res = await stack.pay({ amount: 2_500, currency: 'usd', description: 'book' });
    assert.equal(res.status, 201);
    assert.match(res.body.payment_id, /^pay_[0-9a-f]{32}$/);
    assert.equal(res.body.status, 'succeeded');
    assert.equal(res.body.amount, 2_500);
    assert.equal(res.body.currency, 'usd');
    assert.equal(res.body.balance_after, 97_500);
    assert.equal(await balanceOf(db, 'acct_alice'), 97_500);
    assert.deepEqual(await transactionsOf(db, res.body.payment_id), [{ status: 'succeeded', failure_code: null }]);
    const { rows } = await db.query('SELECT status FROM balance.holds WHERE hold_key = $1', [res.body.payment_id]);
    assert.deepEqual(rows, [{ status: 'captured' }]);
  });

  test('GET /accounts/me shows the balance and the last payments', async () => {
    const paid = await stack.pay({ amount: 100, currency: 'usd' });
    const res = await fetch(`${stack.gateway}/accounts/me`, { headers: { authorization: 'Bearer test_key_alice' } });
    assert.equal(res.status, 200);
    const me = (await res.json()) as any;
    assert.equal(me.account_name, 'alice');
    assert.deepEqual(me.balances, [{ currency: 'usd', balance: 99_900 }]);
    assert.equal(me.recent_payments[0].payment_id, paid.body.payment_id);
    assert.equal((await fetch(`${stack.gateway}/accounts/me`)).status, 401);
  });

  test('the same Idempotency-Key replayed sequentially: same answer, one debit, one charge', async () => {
    const body = { amount: 1_000, currency: 'usd' };
    const first = await stack.pay(body, { idempotencyKey: 'order-17' });
    const second = await stack.pay(body, { idempotencyKey: 'order-17' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await balanceOf(db, 'acct_alice'), 99_000);
    assert.equal((await transactionsOf(db, first.body.payment_id)).length, 1);
  });

  test('the same Idempotency-Key 20 times concurrently: one debit, one charge, one answer', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => stack.pay({ amount: 700, currency: 'usd' }, { idempotencyKey: 'burst-1' })));
    for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(new Set(results.map((r) => r.body.payment_id)).size, 1);
    assert.equal(await balanceOf(db, 'acct_alice'), 99_300);
    assert.deepEqual(await transactionsOf(db, results[0]!.body.payment_id), [{ status: 'succeeded', failure_code: null }]);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM payments.transactions');
    assert.equal(rows[0].n, 1);
  });

  test('the same Idempotency-Key with another body is a 409, and changes nothing', async () => {
    await stack.pay({ amount: 1_000, currency: 'usd' }, { idempotencyKey: 'order-18' });
    const res = await stack.pay({ amount: 2_000, currency: 'usd' }, { idempotencyKey: 'order-18' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'idempotency_conflict');
    assert.equal(await balanceOf(db, 'acct_alice'), 99_000);
  });

  test('an Idempotency-Key is per account: bob may use the key alice used', async () => {
    const a = await stack.pay({ amount: 10, currency: 'usd' }, { idempotencyKey: 'shared' });
    const b = await stack.pay({ amount: 10, currency: 'usd' }, { key: 'test_key_bob', idempotencyKey: 'shared' });
    assert.equal(b.status, 201);
    assert.notEqual(a.body.payment_id, b.body.payment_id);
  });

  test('insufficient funds: 402, balance unchanged, nothing charged; the 402 is replayed for its key', async () => {
    const res = await stack.pay({ amount: 5_001, currency: 'usd' }, { key: 'test_key_bob', idempotencyKey: 'too-much' });
    assert.equal(res.status, 402);
    assert.equal(res.body.error.code, 'insufficient_funds');
    assert.equal(await balanceOf(db, 'acct_bob'), 5_000);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM payments.transactions');
    assert.equal(rows[0].n, 0);
    const again = await stack.pay({ amount: 5_001, currency: 'usd' }, { key: 'test_key_bob', idempotencyKey: 'too-much' });
    assert.equal(again.status, 402);
  });

  test('missing or unknown API key: 401', async () => {
    const unknown = await stack.pay({ amount: 1, currency: 'usd' }, { key: 'test_key_mallory' });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, 'unauthorized');
    const missing = await fetch(`${stack.gateway}/process-payment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1, currency: 'usd' }),
    });
    assert.equal(missing.status, 401);
  });

  test('50 concurrent payments on a balance that covers exactly 10: exactly 10 succeed, exact final balance', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => stack.pay({ amount: 500, currency: 'usd' }, { key: 'test_key_bob' })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 10, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 402).length, 40);
    assert.equal(await balanceOf(db, 'acct_bob'), 0);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM payments.transactions WHERE account_id = 'acct_bob' AND status = 'succeeded'`);
    assert.equal(rows[0].n, 10);
    const balancesAfter = results.filter((r) => r.status === 201).map((r) => r.body.balance_after as number);
    assert.ok(balancesAfter.every((b) => b >= 0));
    assert.deepEqual(
      balancesAfter.sort((x, y) => x - y),
      [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500],
    );
  });

  test('every service answers healthz and readyz', async () => {
    for (const url of Object.values(stack.urls)) {
      assert.equal((await fetch(`${url}/healthz`)).status, 200, url);
      assert.equal((await fetch(`${url}/readyz`)).status, 200, url);
    }
  });
});
