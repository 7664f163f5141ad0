import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { databaseUrl, stripePort } from './support/env.js';
import { balanceOf, resetData, testPool, transactionsOf } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { freePort, ROOT, startLatencyProxy, startPostgres, type LatencyProxy, type PostgresHandle } from '@paytrace/devstack';

/**
 * Stripe slow or gone. The real stripe-mock sits behind a TCP proxy that the test can slow down
 * or shut, the way a network would.
 */
describe('when Stripe is unreachable or too slow', () => {
  let stack: TestStack;
  let proxy: LatencyProxy;
  let proxyPort: number;
  const db = testPool();

  before(async () => {
    proxyPort = await freePort();
    proxy = await startLatencyProxy({ targetPort: stripePort, port: proxyPort });
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase: `http://127.0.0.1:${proxyPort}`,
      envFor: {
        payments: { STRIPE_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '500' },
        // A short budget and grace, so the reconciler settles what Stripe left open within seconds.
        gateway: { PAYMENT_BUDGET_MS: '2000', SETTLE_GRACE_MS: '500', RECONCILE_INTERVAL_MS: '200' },
      },
    });
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await stack?.stop();
    await proxy?.close();
    await db.end();
  });

  test('Stripe timing out: 504 charge_outcome_unknown; the hold and the attempt stay open until the reconciler asks Stripe again under the same key', async () => {
    proxy.setLatency(2_000);
    const res = await stack.pay({ amount: 1_234, currency: 'usd' }, { idempotencyKey: 'slow-1' });
    assert.equal(res.status, 504, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'charge_outcome_unknown');
    // Stripe may have charged: nothing is given back or written off yet.
    assert.equal(await balanceOf(db, 'acct_alice'), 98_766);
    const { rows } = await db.query(`SELECT hold_key, status FROM balance.holds WHERE account_id = 'acct_alice'`);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['held'],
    );
    const paymentId = rows[0].hold_key as string;
    assert.deepEqual(await transactionsOf(db, paymentId), [{ status: 'pending', failure_code: null }]);
    // A retry at once finds the charge still under way, and changes nothing.
    const early = await stack.pay({ amount: 1_234, currency: 'usd' }, { idempotencyKey: 'slow-1' });
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.equal(early.body.error.code, 'payment_in_progress');
    assert.equal(await balanceOf(db, 'acct_alice'), 98_766);
    proxy.setLatency(0);

    // Once the lease is over, the reconciler asks Stripe again (same Idempotency-Key: one charge) and captures.
    for (let i = 0; i < 100; i++) {
      const open = await db.query(`SELECT state FROM gateway.payments WHERE payment_id = $1`, [paymentId]);
      if (open.rows[0]?.state === 'settled') break;
      await sleep(100);
    }
    assert.deepEqual(await transactionsOf(db, paymentId), [{ status: 'succeeded', failure_code: null }]);
    const settled = await db.query(`SELECT status FROM balance.holds WHERE hold_key = $1`, [paymentId]);
    assert.deepEqual(settled.rows, [{ status: 'captured' }]);
    assert.equal(await balanceOf(db, 'acct_alice'), 98_766, 'debited once');

    // The client's retry with its key learns the outcome: paid, under the same payment id, charged once.
    const retry = await stack.pay({ amount: 1_234, currency: 'usd' }, { idempotencyKey: 'slow-1' });
    assert.equal(retry.status, 201, JSON.stringify(retry.body));
    assert.equal(retry.body.payment_id, paymentId);
    assert.equal(await balanceOf(db, 'acct_alice'), 98_766);
    assert.deepEqual(await transactionsOf(db, paymentId), [{ status: 'succeeded', failure_code: null }]);
  });

  test('Stripe unreachable: 503, hold released, balance unchanged', async () => {
    await proxy.close();
    try {
      const res = await stack.pay({ amount: 4_321, currency: 'usd' });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'dependency_unavailable');
      assert.equal(await balanceOf(db, 'acct_alice'), 100_000);
      const { rows } = await db.query(`SELECT status FROM balance.holds WHERE account_id = 'acct_alice'`);
      assert.deepEqual(rows, [{ status: 'released' }]);
      const payments = await fetch(`${stack.urls.payments}/readyz`);
      assert.equal(payments.status, 503);
      assert.equal(((await payments.json()) as any).checks.stripe, 'failing');
    } finally {
      proxy = await startLatencyProxy({ targetPort: stripePort, port: proxyPort });
    }
    const after = await stack.pay({ amount: 4_321, currency: 'usd' });
    assert.equal(after.status, 201);
  });
});

/** Postgres stopped under a running stack: clean 503s, no crash, and recovery when it is back. */
describe('when Postgres stops while the stack runs', () => {
  let postgres: PostgresHandle;
  let stack: TestStack;

  before(async () => {
    postgres = await startPostgres({
      dataDir: join(ROOT, '.data', 'test-postgres-outage'),
      port: await freePort(),
      reset: true,
      log: () => undefined,
    });
    await resetData(postgres.url);
    stack = await startTestStack({ databaseUrl: postgres.url, stripeApiBase: `http://127.0.0.1:${stripePort}` });
  });
  after(async () => {
    await stack?.stop();
    await postgres?.stop();
  });

  test('503 while it is down, every service still running, 201 once it is back', async () => {
    assert.equal((await stack.pay({ amount: 100, currency: 'usd' })).status, 201);

    await postgres.stop();
    for (let i = 0; i < 3; i++) {
      const res = await stack.pay({ amount: 100, currency: 'usd' }, { idempotencyKey: `outage-${i}` });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'dependency_unavailable');
    }
    for (const name of ['auth', 'balance', 'payments', 'gateway'] as const) {
      const ready = await fetch(`${stack.urls[name]}/readyz`);
      assert.equal(ready.status, 503, name);
      assert.equal(stack.processes.get(name)!.exitCode(), undefined, `${name} must not crash`);
    }

    await postgres.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 201; i++) {
      status = (await stack.pay({ amount: 100, currency: 'usd' }, { idempotencyKey: 'outage-0' })).status;
      if (status !== 201) await sleep(200);
    }
    assert.equal(status, 201);
    const db = testPool(postgres.url);
    try {
      assert.equal(await balanceOf(db, 'acct_alice'), 99_800);
    } finally {
      await db.end();
    }
  });
});
