import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.js';
import { loadAuthConfig } from '../src/config.js';
import { databaseUrl } from '../../test/support/env.js';
import { resetData, testPool } from '../../test/support/db.js';

describe('auth', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  const db = testPool();

  before(async () => {
    await resetData(databaseUrl);
    app = await buildApp({ config: loadAuthConfig({ DATABASE_URL: databaseUrl }), logger: false });
  });
  after(async () => {
    await app.close();
    await db.end();
  });

  test('a seed key verifies to its account', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/keys/verify', payload: { api_key: 'test_key_alice' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { account_id: 'acct_alice', account_name: 'alice' });
  });

  test('an unknown key is a 401 in the error envelope', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/keys/verify', payload: { api_key: 'test_key_mallory' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthorized');
  });

  test('a body without a key, or with unknown fields, is a 400', async () => {
    for (const payload of [{}, { api_key: '' }, { api_key: 'test_key_alice', extra: 1 }, { api_key: 42 }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/keys/verify', payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.code, 'invalid_request');
    }
  });

  test('only a hash of each key is stored', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM auth.api_keys WHERE encode(key_sha256, 'escape') LIKE '%test_key%'`);
    assert.equal(rows[0].n, 0);
    const { rows: columns } = await db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'api_keys'`,
    );
    assert.deepEqual(columns.map((c) => c.column_name).sort(), ['account_id', 'created_at', 'key_sha256', 'revoked_at']);
  });

  test('healthz and readyz (Postgres reachable)', async () => {
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { postgres: 'ok' } });
  });
});
