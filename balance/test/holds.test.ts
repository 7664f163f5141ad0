import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.js';
import { loadBalanceConfig } from '../src/config.js';
import { databaseUrl } from '../../test/support/env.js';
import { balanceOf, resetData, testPool } from '../../test/support/db.js';

describe('balance', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  const db = testPool();
  const hold = (holdKey: string, amount: number, accountId = 'acct_bob', currency = 'usd') =>
    app.inject({ method: 'POST', url: '/v1/holds', payload: { hold_key: holdKey, account_id: accountId, amount, currency } });

  before(async () => {
    app = await buildApp({ config: loadBalanceConfig({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '20' }), logger: false });
  });
  beforeEach(() => resetData(databaseUrl));
  after(async () => {
    await app.close();
    await db.end();
  });

  test('a hold debits at once; the same key again does not debit twice', async () => {
    const first = await hold('pay_1', 1_200);
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().balance_after, 3_800);
    const again = await hold('pay_1', 1_200);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().hold_id, first.json().hold_id);
    assert.equal(await balanceOf(db, 'acct_bob'), 3_800);
  });

  test('more than the balance is a 402 and changes nothing', async () => {
    const res = await hold('pay_2', 5_001);
    assert.equal(res.statusCode, 402);
    assert.equal(res.json().error.code, 'insufficient_funds');
    assert.equal(await balanceOf(db, 'acct_bob'), 5_000);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM balance.holds WHERE account_id = 'acct_bob'");
    assert.equal(rows[0].n, 0);
  });

  test('a currency the account does not hold is a 402', async () => {
    const res = await hold('pay_3', 10, 'acct_bob', 'eur');
    assert.equal(res.statusCode, 402);
  });

  test('release gives the money back once; capture after release is a 409', async () => {
    await hold('pay_4', 2_000);
    const released = await app.inject({ method: 'POST', url: '/v1/holds/pay_4/release' });
    assert.equal(released.statusCode, 200);
    assert.equal(released.json().status, 'released');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/holds/pay_4/release' })).statusCode, 200);
    assert.equal(await balanceOf(db, 'acct_bob'), 5_000);
    const capture = await app.inject({ method: 'POST', url: '/v1/holds/pay_4/capture' });
    assert.equal(capture.statusCode, 409);
  });

  test('capture keeps the debit; release after capture is a 409', async () => {
    await hold('pay_5', 700);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/holds/pay_5/capture' })).json().status, 'captured');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/holds/pay_5/release' })).statusCode, 409);
    assert.equal(await balanceOf(db, 'acct_bob'), 4_300);
  });

  test('50 concurrent holds on a balance that covers exactly 10: exactly 10 succeed, never negative', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => hold(`pay_c${i}`, 500)));
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 201).length, 10);
    assert.equal(codes.filter((c) => c === 402).length, 40);
    assert.equal(await balanceOf(db, 'acct_bob'), 0);
  });

  test('the database refuses a negative balance even if code tried', async () => {
    await assert.rejects(db.query(`UPDATE balance.balances SET balance = -1 WHERE account_id = 'acct_bob'`), /balance_never_negative/);
  });

  test('unknown hold is a 404; bad body a 400', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/v1/holds/nope/capture' })).statusCode, 404);
    assert.equal((await hold('pay_6', 0)).statusCode, 400);
  });
});
