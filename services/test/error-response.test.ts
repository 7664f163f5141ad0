import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { AppError, overloaded } from '../src/errors.js';
import { createServiceApp, toErrorResponse, type ServiceApp } from '../src/service-app.js';

/**
 * The one error model, end to end through Fastify: `app.inject` runs the request through the
 * routing, parsing, validation and error handler without opening a socket.
 */
let app: ServiceApp;
let ready = true;

before(async () => {
  app = createServiceApp({ logger: false });
  app.get('/throw/app/:status', async (request) => {
    const status = Number((request.params as { status: string }).status);
    throw new AppError(status, `code_${status}`, `secret detail ${status}`);
  });
  app.get('/throw/overloaded', async () => {
    throw overloaded('a test', 3);
  });
  app.get('/throw/plain', async () => {
    throw new Error('password=hunter2 at db.ts:42');
  });
  app.get('/throw/http-error/:status', async (request) => {
    const status = Number((request.params as { status: string }).status);
    throw Object.assign(new Error(`upstream said ${status}`), { statusCode: status });
  });
  app.post(
    '/items',
    {
      schema: {
        body: Type.Object({ amount: Type.Integer({ minimum: 1 }), currency: Type.String() }, { additionalProperties: false }),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
      },
    },
    async () => ({ ok: true }),
  );
  app.readinessChecks.set('database', async () => ready);
  app.readinessChecks.set('cache', async () => true);
  await app.ready();
});

after(() => app.close());

const json = (body: unknown) => ({
  method: 'POST' as const,
  url: '/items',
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify(body),
});

describe('errors through createServiceApp (app.inject, no server)', () => {
  test('an AppError 4xx answers its status, code and message', async () => {
    const res = await app.inject({ method: 'GET', url: '/throw/app/402' });
    assert.equal(res.statusCode, 402);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.deepEqual(res.json(), { error: { code: 'code_402', message: 'secret detail 402' } });
  });

  test('an AppError 503 or 504 keeps its message (it tells the client to retry)', async () => {
    for (const status of [502, 503, 504]) {
      const res = await app.inject({ method: 'GET', url: `/throw/app/${status}` });
      assert.equal(res.statusCode, status);
      assert.deepEqual(res.json(), { error: { code: `code_${status}`, message: `secret detail ${status}` } });
    }
  });

  test('every 503 says when to retry (Retry-After: its own hint, or 1 s); other statuses only when they carry a hint', async () => {
    const plain503 = await app.inject({ method: 'GET', url: '/throw/app/503' });
    assert.equal(plain503.headers['retry-after'], '1');
    const hinted = await app.inject({ method: 'GET', url: '/throw/overloaded' });
    assert.equal(hinted.statusCode, 503);
    assert.equal(hinted.headers['retry-after'], '3');
    assert.deepEqual(hinted.json(), { error: { code: 'overloaded', message: 'Too busy (a test); retry after 3 s.' } });
    for (const status of [400, 502, 504]) {
      assert.equal((await app.inject({ method: 'GET', url: `/throw/app/${status}` })).headers['retry-after'], undefined, `${status}`);
    }
  });

  test('an AppError 500 keeps its code but hides its message', async () => {
    const res = await app.inject({ method: 'GET', url: '/throw/app/500' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { error: { code: 'code_500', message: 'Internal error.' } });
  });

  test('any other error is a 500 internal_error that leaks nothing', async () => {
    const res = await app.inject({ method: 'GET', url: '/throw/plain' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { error: { code: 'internal_error', message: 'Internal error.' } });
    assert.doesNotMatch(res.body, /hunter2|db\.ts/);
  });

  test('a non-AppError with a 4xx statusCode is exposed as invalid_request; with a 5xx it is hidden', async () => {
    const tooMany = await app.inject({ method: 'GET', url: '/throw/http-error/429' });
    assert.equal(tooMany.statusCode, 429);
    assert.deepEqual(tooMany.json(), { error: { code: 'invalid_request', message: 'upstream said 429' } });
    const bad = await app.inject({ method: 'GET', url: '/throw/http-error/503' });
    assert.equal(bad.statusCode, 500);
    assert.deepEqual(bad.json(), { error: { code: 'internal_error', message: 'Internal error.' } });
  });

  test('a schema violation is 400 invalid_request naming the field; types are not coerced', async () => {
    const res = await app.inject(json({ amount: '100', currency: 'usd' }));
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /amount/);
    assert.equal((await app.inject(json({ amount: 100, currency: 'usd' }))).statusCode, 200, 'the valid body passes');
  });

  test('unknown fields are rejected, not dropped; missing ones too; bad query strings too', async () => {
    for (const request of [
      json({ amount: 100, currency: 'usd', admin: true }),
      json({ amount: 100 }),
      json({ amount: 0, currency: 'usd' }),
      { ...json({ amount: 100, currency: 'usd' }), url: '/items?dryRun=maybe' },
    ]) {
      const res = await app.inject(request);
      assert.equal(res.statusCode, 400, request.payload);
      assert.equal(res.json().error.code, 'invalid_request');
    }
  });

  test('malformed or empty JSON is 400 invalid_json', async () => {
    const malformed = await app.inject({ ...json(null), payload: '{"amount": 1,' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'invalid_json');
    const empty = await app.inject({ ...json(null), payload: '' });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error.code, 'invalid_json');
  });

  test('a body of a type no parser takes (XML) is 415 unsupported_media_type', async () => {
    const res = await app.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/xml' }, payload: '<amount>1</amount>' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'unsupported_media_type');
    // text/plain has a parser in Fastify by default: it reaches validation as a string, so a 400.
    const text = await app.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'text/plain' }, payload: 'amount=1' });
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().error.code, 'invalid_request');
  });

  test('a body over 64 KiB is 413 payload_too_large', async () => {
    const res = await app.inject(json({ amount: 1, currency: 'x'.repeat(70 * 1024) }));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'payload_too_large');
  });

  test('an unknown route is a JSON 404 naming the path without its query string', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/nowhere?token=abc' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'not_found', message: 'Route DELETE /nowhere not found.' } });
  });
});

describe('probes', () => {
  test('/healthz is ok', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/readyz is 200 when every check passes, 503 naming the failing one otherwise', async () => {
    ready = true;
    const ok = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { status: 'ready', checks: { database: 'ok', cache: 'ok' } });
    ready = false;
    const failing = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(failing.statusCode, 503);
    assert.deepEqual(failing.json(), { status: 'not_ready', checks: { database: 'failing', cache: 'ok' } });
    ready = true;
  });

  test('a check that throws counts as failing', async () => {
    const probeApp = createServiceApp({ logger: false });
    probeApp.readinessChecks.set('broken', () => Promise.reject(new Error('boom')));
    const res = await probeApp.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'not_ready', checks: { broken: 'failing' } });
    await probeApp.close();
  });
});

describe('toErrorResponse', () => {
  test('maps Fastify client errors by code, unknown 4xx codes to invalid_request', () => {
    const fastifyError = (code: string, statusCode: number, message = 'm') => Object.assign(new Error(message), { code, statusCode });
    const cases: [string, number, string][] = [
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'invalid_json'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'invalid_json'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported_media_type'],
      ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'invalid_request'],
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload_too_large'],
      ['FST_ERR_SOMETHING_NEW', 422, 'invalid_request'],
    ];
    for (const [code, statusCode, expected] of cases) {
      assert.deepEqual(toErrorResponse(fastifyError(code, statusCode, 'why') as never), {
        status: statusCode,
        body: { error: { code: expected, message: 'why' } },
      });
    }
  });

  test('a validation error is 400 whatever its statusCode says', () => {
    const err = Object.assign(new Error('body/amount must be integer'), { validation: [{}], statusCode: 500 });
    assert.deepEqual(toErrorResponse(err as never), {
      status: 400,
      body: { error: { code: 'invalid_request', message: 'body/amount must be integer' } },
    });
  });

  test('no statusCode, or a 3xx/5xx one, is a hidden 500', () => {
    for (const statusCode of [undefined, 302, 500, 503]) {
      const err = Object.assign(new Error('internal detail'), { statusCode, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
      assert.deepEqual(toErrorResponse(err as never), { status: 500, body: { error: { code: 'internal_error', message: 'Internal error.' } } });
    }
  });
});
