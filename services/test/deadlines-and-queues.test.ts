import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../src/errors.js';
import { DEADLINE_HEADER, remainingMs } from '../src/deadline.js';
import { JsonClient, throwIfError } from '../src/http-client.js';
import { createServiceApp } from '../src/service-app.js';

/** An upstream on loopback that answers after `delayMs` and remembers what it was sent. */
async function slowUpstream(delayMs: number): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('JsonClient: a bounded queue and a deadline that travels', () => {
  let upstream: Awaited<ReturnType<typeof slowUpstream>>;
  before(async () => {
    upstream = await slowUpstream(200);
  });
  after(() => upstream.close());

  test('beyond connections + maxQueued, a request is refused at once with 503 overloaded and Retry-After, without being sent', async () => {
    const client = new JsonClient({ name: 'balance', baseUrl: upstream.url, timeoutMs: 5_000, connections: 2, maxQueued: 1 });
    try {
      const before = upstream.seen.length;
      const accepted = [1, 2, 3].map(() => client.request('GET', '/x'));
      const started = performance.now();
      const refused = await client.request('GET', '/x').then(
        () => assert.fail('the fourth request should be shed'),
        (err: unknown) => err,
      );
      assert.ok(performance.now() - started < 50, 'answered at once, not after the others');
      assert.ok(refused instanceof AppError);
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.code, 'overloaded');
      assert.equal(refused.retryAfterSeconds, 1);
      assert.deepEqual(
        (await Promise.all(accepted)).map((r) => r.status),
        [200, 200, 200],
      );
      assert.equal(upstream.seen.length - before, 3, 'the shed request never reached the upstream');
      // With the queue full again, a call that settles work already done still goes through.
      const full = [1, 2, 3].map(() => client.request('GET', '/x'));
      const settling = client.request('GET', '/x', { shed: false });
      const shedAgain = await client.request('GET', '/x').catch((e: unknown) => e);
      assert.ok(shedAgain instanceof AppError && shedAgain.code === 'overloaded');
      assert.equal((await settling).status, 200, 'shed: false is never refused for a full queue');
      await Promise.all(full);
      // Room again once they are answered.
      assert.equal((await client.request('GET', '/x')).status, 200);
    } finally {
      await client.close();
    }
  });

  test('the upstream is told how much of the deadline remains; the exchange ends with it', async () => {
    const client = new JsonClient({ name: 'payments', baseUrl: upstream.url, timeoutMs: 5_000 });
    try {
      const before = upstream.seen.length;
      await client.request('GET', '/x', { deadline: Date.now() + 1_000 });
      const sent = Number(upstream.seen[before]![DEADLINE_HEADER]);
      assert.ok(sent > 900 && sent <= 1_000, `${DEADLINE_HEADER}: ${sent}`);

      const started = performance.now();
      const err = await client.request('GET', '/x', { deadline: Date.now() + 80 }).catch((e: unknown) => e);
      assert.ok(err instanceof AppError && err.statusCode === 504 && err.code === 'dependency_timeout', String(err));
      assert.ok(performance.now() - started < 190, 'ended at the deadline (80 ms), not at the upstream answer (200 ms)');
    } finally {
      await client.close();
    }
  });

  test('with no time left, nothing is sent: 504 deadline_exceeded at once (the caller ran out of time, not the upstream)', async () => {
    const client = new JsonClient({ name: 'payments', baseUrl: upstream.url, timeoutMs: 5_000 });
    try {
      const before = upstream.seen.length;
      const err = await client.request('GET', '/x', { deadline: Date.now() - 1 }).catch((e: unknown) => e);
      assert.ok(err instanceof AppError && err.statusCode === 504 && err.code === 'deadline_exceeded', String(err));
      assert.equal(upstream.seen.length, before);
    } finally {
      await client.close();
    }
  });
});

describe('throwIfError passes on an upstream Retry-After', () => {
  test("a 503 envelope with Retry-After becomes an AppError with the same hint (the breaker's time to its probe reaches the client)", () => {
    const err = (() => {
      try {
        throwIfError('payments', {
          status: 503,
          body: { error: { code: 'payment_provider_unavailable', message: 'Stripe is unavailable.' } },
          retryAfterSeconds: 2,
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'payment_provider_unavailable');
    assert.equal(err.retryAfterSeconds, 2);
  });
});

describe('a service reads its caller deadline', () => {
  const app = createServiceApp({ logger: false });
  app.get('/left', async (request) => ({ left: remainingMs(request.deadline) }));
  after(() => app.close());

  test('the header becomes request.deadline; without it there is none', async () => {
    const res = await app.inject({ method: 'GET', url: '/left', headers: { [DEADLINE_HEADER]: '700' } });
    const left = (res.json() as { left: number }).left;
    assert.ok(left > 600 && left <= 700, String(left));
    const none = await app.inject({ method: 'GET', url: '/left' });
    assert.equal(none.json().left, null, 'Infinity serialises as null: no deadline');
  });

  test('a request whose caller has already given up is refused at once: 504 deadline_exceeded', async () => {
    const res = await app.inject({ method: 'GET', url: '/left', headers: { [DEADLINE_HEADER]: '0' } });
    assert.equal(res.statusCode, 504);
    assert.deepEqual(res.json(), {
      error: { code: 'deadline_exceeded', message: "The caller's deadline passed before this service could finish; try again." },
    });
  });

  test('a malformed header is ignored', async () => {
    const res = await app.inject({ method: 'GET', url: '/left', headers: { [DEADLINE_HEADER]: 'soon' } });
    assert.equal(res.statusCode, 200);
  });
});
