/** Runtime findings: the PromQL asked, the figures read back, and when a service is named (pure, no server). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient, figuresByService, judgeRuntime, runtimeFindings, runtimeQueries, type RuntimeServiceFigures } from '../src/index.js';

/** Figures measured on a healthy stack at 20 req/s (test/detective-metrics.test.ts's control window). */
const healthy = (service: string, p99: number): RuntimeServiceFigures => ({
  service,
  window: { delayP99Ms: p99, delayMaxMs: p99 * 2, utilization: 0.15, inFlight: 0.5, requestRate: 20, poolPending: 0, poolUsed: 2, poolMax: 10 },
  before: { delayP99Ms: p99, delayMaxMs: p99 * 2, utilization: 0.15, inFlight: 0.5, requestRate: 20, poolPending: 0, poolUsed: 2, poolMax: 10 },
});

describe('judgeRuntime: a service is named when its figure rises beyond its baseline and a floor', () => {
  test('a healthy loaded stack names no service', () => {
    assert.deepEqual(judgeRuntime([healthy('auth', 16), healthy('balance', 30), healthy('gateway', 18), healthy('payments', 43)]), []);
  });

  test('a paused service is named with its figure, against its own window before', () => {
    const auth = healthy('auth', 26);
    auth.window = { ...auth.window, delayP99Ms: 106.6, delayMaxMs: 111.1, utilization: 0.07 };
    const findings = judgeRuntime([auth, healthy('balance', 18), healthy('gateway', 18), healthy('payments', 17)]);
    assert.deepEqual(
      findings.map((f) => [f.service, f.kind, f.summary]),
      [['auth', 'event-loop', 'auth: event-loop delay p99 107 ms over the window (max 111 ms), 26 ms before; loop utilization 7%']],
    );
    assert.equal(findings[0]!.baseline, 18, 'the others (median 18 ms) are the lower baseline');
  });

  test('a stall that began before the baseline window is still named against the other services', () => {
    const auth = healthy('auth', 100);
    auth.window.delayP99Ms = 105;
    assert.deepEqual(
      judgeRuntime([auth, healthy('balance', 18), healthy('gateway', 20)]).map((f) => f.service),
      ['auth'],
    );
  });

  test('a rise under the floor, or within the factor of the baseline, names nobody', () => {
    const auth = healthy('auth', 10);
    auth.window.delayP99Ms = 45; // 4.5× but under 50 ms
    const balance = healthy('balance', 40);
    balance.window.delayP99Ms = 80; // over 50 ms but 2× its own past
    const gateway = healthy('gateway', 40);
    assert.deepEqual(judgeRuntime([auth, balance, gateway]), []);
  });

  test('a service that started during the window (no figure before) is not judged on its event loop: start-up runs late', () => {
    // What a fresh gateway's first minute read in CI: its start-up, not a stall.
    const others = ['auth', 'balance', 'payments'].map((s) => healthy(s, 12));
    assert.deepEqual(judgeRuntime([...others, { service: 'gateway', window: { delayP99Ms: 105, delayMaxMs: 623 }, before: {} }]), []);
  });

  test('a saturated pool and requests piling up are named, event loops first', () => {
    const balance = healthy('balance', 18);
    balance.window = { ...balance.window, poolPending: 2.5, poolPendingPeak: 7, poolUsed: 10, inFlight: 9 };
    const gateway = healthy('gateway', 18);
    gateway.window.delayP99Ms = 120;
    assert.deepEqual(
      judgeRuntime([balance, gateway, healthy('auth', 18)]).map((f) => f.summary),
      [
        'gateway: event-loop delay p99 120 ms over the window (max 36 ms), 18 ms before; loop utilization 15%',
        'balance: 2.5 requests waiting for a database connection on average (7 at most), all 10 connections in use, 0 before',
        'balance: 9 requests in flight on average, each 450 ms in the service at 20 req/s, 25 ms before',
      ],
    );
  });

  test('more load alone: more in flight, but not longer in the service, names nobody (measured: 21 → 85 req/s)', () => {
    const gateway = healthy('gateway', 18);
    gateway.before = { ...gateway.before, inFlight: 0.8, requestRate: 21 };
    gateway.window = { ...gateway.window, inFlight: 8, requestRate: 85 };
    assert.deepEqual(judgeRuntime([gateway, healthy('auth', 18)]), []);
  });

  test('requests waiting while the pool has free connections are not saturation', () => {
    const balance = healthy('balance', 18);
    balance.window = { ...balance.window, poolPending: 3, poolUsed: 6 };
    assert.deepEqual(judgeRuntime([balance, healthy('auth', 18)]), []);
  });
});

describe('runtimeQueries and figuresByService', () => {
  test('every selector carries the matchers and the window', () => {
    const queries = runtimeQueries(10, 'instance="x"');
    assert.equal(queries.delayP99Ms, 'max by (service_name) (avg_over_time(nodejs_eventloop_delay_p99_seconds{instance="x"}[10s])) * 1000');
    assert.match(queries.poolUsed, /db_client_connection_count\{instance="x",db_client_connection_state="used"\}\[10s\]/);
    assert.match(runtimeQueries(30).inFlight, /http_server_active_requests\{\}\[30s\]/);
  });

  test('answers become figures per service; NaN and unlabelled series are skipped', () => {
    const figures = figuresByService({
      delayP99Ms: [
        { labels: { service_name: 'auth' }, samples: [[1, 104]] },
        { labels: { service_name: 'balance' }, samples: [[1, NaN]] },
      ],
      poolMax: [{ labels: {}, samples: [[1, 10]] }],
    });
    assert.deepEqual([...figures], [['auth', { delayP99Ms: 104 }]]);
  });
});

describe('runtimeFindings: asks Prometheus for the window and the window before', () => {
  test('instant queries at the end and at the start of the window', async () => {
    const asked: Array<{ query: string; time: string }> = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = url.searchParams.get('query') ?? '';
      const time = url.searchParams.get('time') ?? '';
      asked.push({ query, time });
      const p99 = query.includes('delay_p99') ? (time === '1700000030' ? '104' : '6') : '0';
      const result = [{ metric: { service_name: 'auth' }, value: [Number(time), p99] }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new PrometheusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const report = await runtimeFindings(client, { start: 1700000000, end: 1700000030 });
      assert.equal(asked.length, 18);
      assert.ok(asked.every((a) => a.query.includes('[30s]')));
      assert.deepEqual(
        report.findings.map((f) => f.summary),
        ['auth: event-loop delay p99 104 ms over the window (max 0.0 ms), 6.0 ms before; loop utilization 0%'],
      );
      await assert.rejects(runtimeFindings(client, { start: 5, end: 5 }), /must end after it starts/);
    } finally {
      server.close();
    }
  });
});
