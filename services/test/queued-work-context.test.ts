import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ContextPreservingPool } from '../src/queued-work-context.js';

/**
 * undici's Pool dispatches a queued request from another request's connection, where
 * `undici:request:create` (the OpenTelemetry instrumentation's hook) sees the wrong context.
 * A local HTTP server that answers slowly makes three requests queue for one connection.
 */
describe('ContextPreservingPool', () => {
  const requestContext = new AsyncLocalStorage<string>();
  const seen: Array<{ path: string; context: string | undefined }> = [];
  const onCreate = (message: unknown) => {
    const { request } = message as { request: { path: string } };
    seen.push({ path: request.path, context: requestContext.getStore() });
  };
  let server: Server;
  let origin: string;

  before(async () => {
    diagnosticsChannel.subscribe('undici:request:create', onCreate);
    server = createServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    server.close();
  });

  async function requestsThrough(pool: Pool) {
    seen.length = 0;
    await Promise.all(
      ['A', 'B', 'C'].map((name) => requestContext.run(name, async () => (await pool.request({ method: 'GET', path: `/${name}` })).body.text())),
    );
    await pool.close();
    return seen.map((s) => `${s.path} in ${s.context}`).sort();
  }

  test('undici Pool itself: queued requests are created in the context of the first one (the bug)', async () => {
    assert.deepEqual(await requestsThrough(new Pool(origin, { connections: 1 })), ['/A in A', '/B in A', '/C in A']);
  });

  test('each queued request is created in its own caller context', async () => {
    assert.deepEqual(await requestsThrough(new ContextPreservingPool(origin, { connections: 1 })), ['/A in A', '/B in B', '/C in C']);
  });
});
