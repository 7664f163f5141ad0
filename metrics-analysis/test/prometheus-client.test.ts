import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../src/index.js';

/** Answers as Prometheus's /api/v1 does (shapes from its documentation), and records what was asked. */
function fakeApi(asked: URL[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(url);
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.searchParams.get('query') === 'broken(') return answer(400, { status: 'error', errorType: 'bad_data', error: 'parse error' });
    if (url.pathname === '/api/v1/query') {
      return answer(200, {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { service_name: 'gateway' }, value: [1700000000, '+Inf'] }] },
      });
    }
    if (url.pathname === '/api/v1/query_range') {
      return answer(200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: {},
              values: [
                [1700000000, '1.5'],
                [1700000010, 'NaN'],
              ],
            },
          ],
        },
      });
    }
    if (url.pathname === '/api/v1/query_exemplars') {
      return answer(200, {
        status: 'success',
        data: [
          {
            seriesLabels: { le: '25' },
            exemplars: [{ labels: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }, value: '7.5', timestamp: 1700000001.5 }],
          },
        ],
      });
    }
    return answer(400, { status: 'error', errorType: 'bad_data', error: 'parse error' });
  });
}

describe('PrometheusClient: /api/v1 answers as typed series and exemplars', () => {
  const asked: URL[] = [];
  let server: Server;
  let client: PrometheusClient;
  before(async () => {
    server = fakeApi(asked).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    client = new PrometheusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(() => server.close());

  test('an instant query: labels and one sample; Prometheus infinities are numbers', async () => {
    assert.deepEqual(await client.query('up', 1700000000), [{ labels: { service_name: 'gateway' }, samples: [[1700000000, Infinity]] }]);
    assert.equal(asked.at(-1)?.searchParams.get('query'), 'up');
    assert.equal(asked.at(-1)?.searchParams.get('time'), '1700000000');
    assert.equal(await client.scalar('up'), Infinity);
  });

  test('a range query sends start, end and step; NaN stays NaN', async () => {
    const [series] = await client.queryRange('rate(x[1m])', { start: 1, end: 2, stepSeconds: 10 });
    assert.deepEqual(series?.samples[0], [1700000000, 1.5]);
    assert.ok(Number.isNaN(series?.samples[1]?.[1]));
    assert.equal(asked.at(-1)?.searchParams.get('step'), '10');
  });

  test('exemplars carry their trace and span ids', async () => {
    assert.deepEqual(await client.exemplars('x_bucket', { start: 1, end: 2 }), [
      { seriesLabels: { le: '25' }, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), timestamp: 1700000001.5, value: 7.5 },
    ]);
  });

  test("an error answer throws with Prometheus's own message", async () => {
    await assert.rejects(client.query('broken('), /HTTP 400 bad_data parse error/);
  });
});
