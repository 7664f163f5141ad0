import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppError,
  badRequest,
  dependencyTimeout,
  dependencyUnavailable,
  fromDatabaseError,
  isErrorBody,
  notFound,
  overloaded,
  unauthorized,
} from '../src/errors.js';

/** What node-postgres throws: an Error with the server's SQLSTATE (or Node's errno name) in `code`. */
const pgError = (code: string | undefined, message = 'some database error') => Object.assign(new Error(message), { code });

describe('AppError', () => {
  test('carries status, code, message and cause; is an Error', () => {
    const cause = new Error('root');
    const err = new AppError(409, 'idempotency_conflict', 'Key reused.', { cause });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AppError');
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, 'idempotency_conflict');
    assert.equal(err.message, 'Key reused.');
    assert.equal(err.cause, cause);
  });

  test('client errors and 502/503/504 are exposed; other 5xx are not', () => {
    for (const status of [400, 401, 402, 404, 409, 422, 429, 499, 502, 503, 504]) {
      assert.equal(new AppError(status, 'x', 'm').expose, true, `${status}`);
    }
    for (const status of [500, 501, 505, 507, 599]) {
      assert.equal(new AppError(status, 'x', 'm').expose, false, `${status}`);
    }
  });

  test('the helpers build the documented codes', () => {
    assert.deepEqual(pick(badRequest('bad amount')), [400, 'invalid_request', 'bad amount']);
    assert.deepEqual(pick(unauthorized()), [401, 'unauthorized', 'Missing or unknown API key.']);
    assert.deepEqual(pick(unauthorized('Revoked key.')), [401, 'unauthorized', 'Revoked key.']);
    assert.deepEqual(pick(notFound()), [404, 'not_found', 'Not found.']);
    const cause = new Error('ECONNREFUSED');
    const unavailable = dependencyUnavailable('balance', cause);
    assert.deepEqual(pick(unavailable), [503, 'dependency_unavailable', 'A dependency (balance) is unavailable; try again later.']);
    assert.equal(unavailable.cause, cause);
    assert.deepEqual(pick(dependencyTimeout('stripe')), [504, 'dependency_timeout', 'A dependency (stripe) timed out; try again later.']);
    const shed = overloaded('balance', 2);
    assert.deepEqual(pick(shed), [503, 'overloaded', 'Too busy (balance); retry after 2 s.']);
    assert.equal(shed.retryAfterSeconds, 2);
    assert.equal(notFound().retryAfterSeconds, undefined);
  });
});

const pick = (e: AppError) => [e.statusCode, e.code, e.message];

describe('isErrorBody', () => {
  test('accepts exactly { error: { code: string, message: string } }', () => {
    assert.equal(isErrorBody({ error: { code: 'not_found', message: 'Not found.' } }), true);
    assert.equal(isErrorBody({ error: { code: 'x', message: 'y', extra: 1 }, other: true }), true);
  });
  test('rejects anything else', () => {
    for (const value of [
      null,
      undefined,
      'error',
      42,
      {},
      { error: null },
      { error: 'not_found' },
      { error: { code: 'x' } },
      { error: { message: 'y' } },
      { error: { code: 1, message: 'y' } },
      { error: { code: 'x', message: null } },
    ]) {
      assert.equal(isErrorBody(value), false, JSON.stringify(value));
    }
  });
});

describe('fromDatabaseError', () => {
  const assertUnavailable = (err: unknown) => {
    const mapped = fromDatabaseError(err);
    assert.ok(mapped instanceof AppError, `expected a 503 for ${JSON.stringify(err)}`);
    assert.equal(mapped.statusCode, 503);
    assert.equal(mapped.code, 'dependency_unavailable');
    assert.equal(mapped.message, 'A dependency (postgres) is unavailable; try again later.');
    assert.equal(mapped.cause, err, 'the original error stays as the cause (for the span and the log)');
  };

  test('server shutting down or not accepting connections (57P01, 57P02, 57P03) is 503', () => {
    for (const code of ['57P01', '57P02', '57P03']) assertUnavailable(pgError(code, 'terminating connection due to administrator command'));
  });

  test('connection exceptions (class 08: 08000, 08003, 08006, 08001) are 503', () => {
    for (const code of ['08000', '08003', '08006', '08001']) assertUnavailable(pgError(code));
  });

  test("Node's socket errors (ECONNREFUSED, ECONNRESET, ENOTFOUND, EPIPE, ETIMEDOUT, EHOSTUNREACH) are 503", () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']) assertUnavailable(pgError(code));
  });

  test("node-postgres' own messages without a code are 503", () => {
    assertUnavailable(new Error('Connection terminated unexpectedly'));
    assertUnavailable(new Error('timeout exceeded when trying to connect'));
    assertUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:5433'));
    // An AggregateError from net.connect (IPv4 and IPv6 both refused) carries the code.
    assertUnavailable(Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }));
  });

  test('a statement stopped by its timeout (57014 query_canceled) is a 504 dependency_timeout, not a 500', () => {
    const err = pgError('57014', 'canceling statement due to statement timeout');
    const mapped = fromDatabaseError(err);
    assert.ok(mapped instanceof AppError);
    assert.deepEqual(pick(mapped), [504, 'dependency_timeout', 'A dependency (postgres) timed out; try again later.']);
    assert.equal(mapped.cause, err);
  });

  test('errors that are not about the connection are left alone (undefined: the caller rethrows, a 500)', () => {
    for (const err of [
      pgError('23505', 'duplicate key value violates unique constraint'), // unique_violation
      pgError('23514', 'new row violates check constraint'), // check_violation
      pgError('42P01', 'relation "x" does not exist'), // undefined_table
      pgError('40001', 'could not serialize access'), // serialization_failure
      pgError(undefined, 'plain failure'),
      new TypeError('Cannot read properties of undefined'),
    ]) {
      assert.equal(fromDatabaseError(err), undefined, (err as Error).message);
    }
  });

  test('nothing, or something that is not an error object, maps to undefined', () => {
    assert.equal(fromDatabaseError(undefined), undefined);
    assert.equal(fromDatabaseError(null), undefined);
    assert.equal(fromDatabaseError('ECONNREFUSED'), undefined);
    assert.equal(fromDatabaseError({}), undefined);
  });

  test('an AppError passes through unchanged', () => {
    const err = new AppError(402, 'insufficient_funds', 'Not enough balance.');
    assert.equal(fromDatabaseError(err), err);
  });
});
