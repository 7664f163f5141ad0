import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { databaseUrl } from '../../test/support/env.js';
import { freePort } from '@paytrace/devstack';

/**
 * The gateway's edge rules, with nothing behind it: every one of these must be answered before
 * any other service is asked (a 4xx in the error envelope, never a 500).
 */
describe('gateway input validation', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  before(async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    app = await buildApp({
      config: loadGatewayConfig({ DATABASE_URL: databaseUrl, AUTH_URL: nowhere, BALANCE_URL: nowhere, PAYMENTS_URL: nowhere }),
      logger: false,
    });
  });
  after(() => app.close());

  const post = (payload: string | object, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/process-payment',
      headers: { authorization: 'Bearer test_key_alice', 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const cases: Array<[string, string | object, Record<string, string>?]> = [
    ['malformed JSON', '{"amount": 100,'],
    ['empty body', ''],
    ['amount as a string', { amount: '100', currency: 'usd' }],
    ['amount with a fraction', { amount: 10.5, currency: 'usd' }],
    ['amount zero', { amount: 0, currency: 'usd' }],
    ['amount above the maximum', { amount: 100_000_001, currency: 'usd' }],
    ['missing amount', { currency: 'usd' }],
    ['missing currency', { amount: 100 }],
    ['upper-case currency', { amount: 100, currency: 'USD' }],
    ['unsupported currency', { amount: 100, currency: 'xyz' }],
    ['description too long', { amount: 100, currency: 'usd', description: 'x'.repeat(201) }],
    ['description not a string', { amount: 100, currency: 'usd', description: 7 }],
    ['description with a NUL character (Postgres text cannot hold one)', { amount: 100, currency: 'usd', description: 'a\u0000b' }],
    ['unknown field', { amount: 100, currency: 'usd', card_number: '4242424242424242' }],
    ['body is an array', [{ amount: 100, currency: 'usd' }]],
    ['idempotency key too long', { amount: 100, currency: 'usd' }, { 'idempotency-key': 'k'.repeat(256) }],
    ['idempotency key with a control character', { amount: 100, currency: 'usd' }, { 'idempotency-key': 'abc\u0001' }],
  ];
  for (const [name, payload, headers] of cases) {
    test(`400 for ${name}`, async () => {
      const res = await post(payload, headers);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json();
      assert.match(body.error.code, /^[a-z_]+$/);
      assert.equal(typeof body.error.message, 'string');
    });
  }

  test('415 for a body that is not JSON', async () => {
    const res = await post('amount=100', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'unsupported_media_type');
  });

  test('401 without an Authorization header, or with another scheme', async () => {
    for (const authorization of [undefined, 'Basic dGVzdA==', 'Bearer ']) {
      const res = await app.inject({
        method: 'POST',
        url: '/process-payment',
        headers: authorization === undefined ? {} : { authorization },
        payload: { amount: 100, currency: 'usd' },
      });
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(res.json().error.code, 'unauthorized');
    }
  });

  test('auth unreachable is a 503 in the envelope, not a 500', async () => {
    const res = await post({ amount: 100, currency: 'usd' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'dependency_unavailable');
  });

  test('unknown routes are JSON 404s', async () => {
    const res = await app.inject('/nope');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
  });
});
