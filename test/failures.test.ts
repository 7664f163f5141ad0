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
      envFor: { payments: { STRIPE_TIMEOUT_MS: '500' } },
    });
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await stack?.stop();
    await proxy?.close();
    await db.end();
  });

  test('Stripe timing out: 504, hold released, balance unchanged, attempt logged as failed', async () => {
    proxy.setLatency(2_000);
    const res = await stack.pay({ amount: 1_234, currency: 'usd' }, { idempotencyKey: 'slow-1' });
    proxy.setLatency(0);
    assert.equal(res.status, 504, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'dependency_timeout');
    assert.equal(await balanceOf(db, 'acct_alice'), 100_000);
    const { rows } = await db.query(`SELECT status FROM balance.holds WHERE account_id = 'acct_alice'`);
    assert.deepEqual(rows, [{ status: 'released' }]);
    const attempts = await db.query(`SELECT status, failure_code FROM payments.transactions`);
    assert.deepEqual(attempts.rows, [{ status: 'failed', failure_code: 'dependency_timeout' }]);

    // The key is retryable: the same request later goes through, under the same payment id.
    const retry = await stack.pay({ amount: 1_234, currency: 'usd' }, { idempotencyKey: 'slow-1' });
    assert.equal(retry.status, 201, JSON.stringify(retry.body));
    assert.equal(await balanceOf(db, 'acct_alice'), 98_766);
    assert.deepEqual(
      (await transactionsOf(db, retry.body.payment_id)).map((t) => t.status),
      ['failed', 'succeeded'],
    );
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
