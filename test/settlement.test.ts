import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkLedger, ledgerReport } from '@paytrace/devstack';
import { databaseUrl, jaegerUrl, stripeApiBase } from './support/env.js';
import { balanceOf, resetData, testPool } from './support/db.js';
import { waitForTrace } from './support/jaeger.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * The gateway's reconciler settles every payment that a failure left open, whatever step it was
 * left at, each run as a trace of its own linked to the payment's request. The payments here are
 * real ones, put back by SQL into the state a failure leaves (the way each failure gets there is
 * driven for real in resilience.test.ts).
 */
describe('the reconciler settles payments left open', () => {
  let stack: TestStack;
  const db = testPool();

  before(async () => {
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase,
      // Look often, so each case settles within a second or two.
      envFor: { gateway: { RECONCILE_INTERVAL_MS: '200' }, payments: { STRIPE_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '500' } },
    });
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await stack?.stop();
    await db.end();
  });

  /** A real payment of alice's, answered 201; returns its id and trace id. */
  async function paid(amount: number): Promise<{ paymentId: string; traceId: string }> {
    const res = await stack.pay({ amount, currency: 'usd' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const settled = await db.query(`SELECT state, outcome FROM gateway.payments WHERE payment_id = $1`, [res.body.payment_id]);
    assert.deepEqual(settled.rows, [{ state: 'settled', outcome: 'succeeded' }], 'a payment that answered 201 is settled by its own request');
    return { paymentId: res.body.payment_id, traceId: res.body.trace_id };
  }

  /** Leaves the payment open with its lease run out, as a request that died would. */
  const reopen = (paymentId: string) =>
    db.query(`UPDATE gateway.payments SET state = 'open', outcome = NULL, lease_until = now() - interval '1 second' WHERE payment_id = $1`, [
      paymentId,
    ]);

  async function settledAs(paymentId: string): Promise<{ outcome: string; attempts: number }> {
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.query(`SELECT state, outcome, attempts FROM gateway.payments WHERE payment_id = $1`, [paymentId]);
      if (rows[0]?.state === 'settled') return { outcome: rows[0].outcome, attempts: rows[0].attempts };
      await sleep(100);
    }
    assert.fail(`payment ${paymentId} was not settled within 10 s`);
  }

  const holdStatus = async (paymentId: string) =>
    (await db.query(`SELECT status FROM balance.holds WHERE hold_key = $1`, [paymentId])).rows.map((r) => r.status as string);

  test('charged, hold not captured (balance was away): the hold is captured, and the run is its own trace linked to the payment', async () => {
    const { paymentId, traceId } = await paid(1_000);
    await db.query(`UPDATE balance.holds SET status = 'held' WHERE hold_key = $1`, [paymentId]);
    await reopen(paymentId);

    assert.deepEqual(await settledAs(paymentId), { outcome: 'succeeded', attempts: 1 });
    assert.deepEqual(await holdStatus(paymentId), ['captured']);
    assert.equal(await balanceOf(db, 'acct_alice'), 99_000);
    assert.deepEqual(ledgerReport(await checkLedger(db)).problems, []);

    // The reconciliation trace: found by the payment id, a root of its own, linked to the request.
    const search = new URL('/api/traces', jaegerUrl);
    search.search = new URLSearchParams({
      service: 'gateway',
      operation: 'reconcile payment',
      tags: JSON.stringify({ 'paytrace.payment.id': paymentId }),
      lookback: '1h',
      limit: '5',
    }).toString();
    let found: any[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = ((await (await fetch(search)).json()) as { data: any[] }).data ?? [];
      if (found.length === 0) await sleep(200);
    }
    assert.equal(found.length, 1, 'one reconciliation run, one trace');
    const reconcileTraceId = found[0].traceID as string;
    assert.notEqual(reconcileTraceId, traceId, 'a trace of its own, not spans added to the finished request');
    const spans = await waitForTrace(reconcileTraceId, { minSpans: 3 });
    const root = spans.find((s) => s.name === 'reconcile payment');
    assert.ok(root, 'the root is the reconcile span');
    assert.equal(root.parentSpanId, undefined, 'the reconcile span is the root of its trace');
    assert.equal(root.tags['paytrace.reconcile.outcome'], 'succeeded');
    assert.equal(root.tags['paytrace.reconcile.charge_status'], 'succeeded');
    const raw = found[0].spans.find((s: any) => s.operationName === 'reconcile payment');
    const link = raw.references.find((r: any) => r.traceID === traceId);
    assert.ok(link, `the reconcile span links to the payment's trace ${traceId}: ${JSON.stringify(raw.references)}`);
    // Its work is in it: asking payments, then capturing in balance.
    const services = new Set(spans.map((s) => s.service));
    assert.ok(services.has('payments') && services.has('balance'), [...services].join(', '));
  });

  test('not charged (payments never got the charge), hold held: the hold is released', async () => {
    const { paymentId } = await paid(2_000);
    await db.query(`DELETE FROM payments.transactions WHERE payment_id = $1`, [paymentId]);
    await db.query(`UPDATE balance.holds SET status = 'held' WHERE hold_key = $1`, [paymentId]);
    await reopen(paymentId);

    assert.equal((await settledAs(paymentId)).outcome, 'released');
    assert.deepEqual(await holdStatus(paymentId), ['released']);
    assert.equal(await balanceOf(db, 'acct_alice'), 100_000, 'the held money is back');
    assert.deepEqual(ledgerReport(await checkLedger(db)).problems, []);
  });

  test("charged but never logged (payments' log left pending): resolved with Stripe under the same key, then captured", async () => {
    const { paymentId } = await paid(3_000);
    await db.query(
      `UPDATE payments.transactions SET status = 'pending', stripe_charge_id = NULL, updated_at = now() - interval '10 seconds' WHERE payment_id = $1`,
      [paymentId],
    );
    await db.query(`UPDATE balance.holds SET status = 'held' WHERE hold_key = $1`, [paymentId]);
    await reopen(paymentId);

    assert.equal((await settledAs(paymentId)).outcome, 'succeeded');
    const { rows } = await db.query(`SELECT status, stripe_charge_id FROM payments.transactions WHERE payment_id = $1`, [paymentId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'succeeded');
    assert.match(rows[0].stripe_charge_id, /^ch_/);
    assert.deepEqual(await holdStatus(paymentId), ['captured']);
    assert.deepEqual(ledgerReport(await checkLedger(db)).problems, []);
  });

  test('charged after its request gave up and released the hold: the hold is placed again and captured', async () => {
    const { paymentId } = await paid(4_000);
    // What a request leaves that released the hold on a charge it thought failed.
    await db.query(`UPDATE balance.holds SET status = 'released' WHERE hold_key = $1`, [paymentId]);
    await db.query(`UPDATE balance.balances SET balance = balance + 4000 WHERE account_id = 'acct_alice'`);
    await reopen(paymentId);

    assert.equal((await settledAs(paymentId)).outcome, 'succeeded');
    assert.deepEqual(await holdStatus(paymentId), ['captured']);
    assert.equal(await balanceOf(db, 'acct_alice'), 96_000, 'the charge is paid from the balance once');
    assert.deepEqual(ledgerReport(await checkLedger(db)).problems, []);
  });

  test('a payment whose request is still within its lease is left to its request', async () => {
    const { paymentId } = await paid(500);
    await db.query(`UPDATE balance.holds SET status = 'held' WHERE hold_key = $1`, [paymentId]);
    await db.query(`UPDATE gateway.payments SET state = 'open', outcome = NULL, lease_until = now() + interval '1 hour' WHERE payment_id = $1`, [
      paymentId,
    ]);
    await sleep(1_000);
    const { rows } = await db.query(`SELECT state, attempts FROM gateway.payments WHERE payment_id = $1`, [paymentId]);
    assert.deepEqual(rows, [{ state: 'open', attempts: 0 }]);
    assert.deepEqual(await holdStatus(paymentId), ['held']);
  });
});
