import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chartRange,
  knownRoutesQuery,
  matchers,
  routeExemplarSelector,
  routeRedQueries,
  serviceRoutesQueries,
  toExemplarPoints,
  toPoints,
  toRouteRefs,
  toRouteSummaries,
  valueAt,
  type Exemplar,
  type Series,
} from '../src/index.js';

const PAYMENT = { service: 'gateway', method: 'POST', route: '/process-payment' };
const series = (labels: Record<string, string>, ...samples: Array<[number, number]>): Series => ({ labels, samples });

describe('the route RED queries', () => {
  test('rate, 5xx share and quantiles of one route, from the server duration histogram over a minute', () => {
    const q = routeRedQueries(PAYMENT);
    const sel = '{service_name="gateway",http_request_method="POST",http_route="/process-payment"}';
    assert.equal(q.requestRate, `sum(rate(http_server_request_duration_seconds_count${sel}[1m]))`);
    assert.equal(
      q.errorShare,
      '(sum(rate(http_server_request_duration_seconds_count{service_name="gateway",http_request_method="POST",http_route="/process-payment",' +
        `http_response_status_code=~"5.."}[1m])) or vector(0)) / sum(rate(http_server_request_duration_seconds_count${sel}[1m]))`,
    );
    assert.equal(q.p99, `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket${sel}[1m])))`);
    assert.match(q.p50, /^histogram_quantile\(0\.5, /);
    assert.match(q.p95, /^histogram_quantile\(0\.95, /);
  });

  test('label values are quoted and escaped: a route cannot break out of its matcher', () => {
    assert.equal(matchers([['http_route', '=', 'a"} or vector(1) #\\']]), '{http_route="a\\"} or vector(1) #\\\\"}');
    assert.ok(routeRedQueries({ ...PAYMENT, route: '/x"y' }).requestRate.includes('http_route="/x\\"y"'));
  });

  test('exemplars come from the span metrics of the route’s SERVER span, named METHOD route', () => {
    assert.equal(
      routeExemplarSelector(PAYMENT),
      'traces_span_metrics_duration_milliseconds_bucket{service_name="gateway",span_kind="SPAN_KIND_SERVER",span_name="POST /process-payment"}',
    );
  });

  test('the known routes, sorted by service then route; series without a route left out', () => {
    assert.equal(
      knownRoutesQuery(900),
      'group by (service_name, http_request_method, http_route) (last_over_time(http_server_request_duration_seconds_count[900s]))',
    );
    const refs = toRouteRefs([
      series({ service_name: 'gateway', http_request_method: 'POST', http_route: '/process-payment' }),
      series({ service_name: 'balance', http_request_method: 'POST', http_route: '/v1/holds' }),
      series({ service_name: 'gateway', http_request_method: 'GET', http_route: '/accounts/me' }),
      series({ service_name: 'gateway', http_request_method: 'GET' }),
    ]);
    assert.deepEqual(
      refs.map((r) => `${r.service} ${r.method} ${r.route}`),
      ['balance POST /v1/holds', 'gateway GET /accounts/me', 'gateway POST /process-payment'],
    );
  });
});

describe('shaping the answers', () => {
  test('a window is 60 steps ending now, on a whole second', () => {
    assert.deepEqual(chartRange('5m', 1_700_000_000.7), { start: 1_699_999_700, end: 1_700_000_000, stepSeconds: 5 });
    assert.deepEqual(chartRange('15m', 1_700_000_000), { start: 1_699_999_100, end: 1_700_000_000, stepSeconds: 15 });
    assert.deepEqual(chartRange('1h', 1_700_000_000), { start: 1_699_996_400, end: 1_700_000_000, stepSeconds: 60 });
  });

  test('points leave out NaN and infinities (no requests: a gap), and the last minute is the point at the end', () => {
    const points = toPoints([series({}, [100, 1], [105, NaN], [110, Infinity], [115, 2.5])]);
    assert.deepEqual(points, [
      { t: 100, v: 1 },
      { t: 115, v: 2.5 },
    ]);
    assert.equal(valueAt(points, 115), 2.5);
    assert.equal(valueAt(points, 120), undefined, 'no point at the end: no requests in the last minute');
    assert.deepEqual(toPoints([]), []);
  });

  test('exemplars: milliseconds to seconds, one per trace, oldest first, without ones lacking a trace id', () => {
    const exemplar = (traceId: string | undefined, timestamp: number, value: number): Exemplar => ({
      seriesLabels: { le: '50' },
      traceId,
      spanId: 'b'.repeat(16),
      timestamp,
      value,
    });
    const points = toExemplarPoints([
      exemplar('b'.repeat(32), 20, 30),
      exemplar('a'.repeat(32), 10, 12.5),
      exemplar('a'.repeat(32), 11, 99),
      exemplar(undefined, 12, 5),
      exemplar('not-hex', 13, 5),
    ]);
    assert.deepEqual(
      points.map((p) => [p.traceId[0], p.t, p.seconds]),
      [
        ['a', 10, 0.0125],
        ['b', 20, 0.03],
      ],
    );
  });

  test('many exemplars: at most `max`, spread over the whole window, not its first minutes', () => {
    const many = Array.from({ length: 1000 }, (_, i): Exemplar => ({
      seriesLabels: {},
      traceId: i.toString(16).padStart(32, '0'),
      spanId: undefined,
      timestamp: i,
      value: 1,
    }));
    const points = toExemplarPoints(many, 100);
    assert.equal(points.length, 100);
    assert.equal(points[0]!.t, 0);
    assert.ok(points.at(-1)!.t >= 990);
  });

  test('a service’s routes: rate, 5xx share and p99 joined by route, busiest first', () => {
    const q = serviceRoutesQueries('balance', 900);
    assert.equal(q.rate, 'sum by (http_request_method, http_route) (rate(http_server_request_duration_seconds_count{service_name="balance"}[900s]))');
    assert.match(q.failedRate, /http_response_status_code=~"5\.\."\}\[900s\]/);
    assert.match(q.p99, /^histogram_quantile\(0\.99, sum by \(http_request_method, http_route, le\)/);
    const holds = { http_request_method: 'POST', http_route: '/v1/holds' };
    const capture = { http_request_method: 'POST', http_route: '/v1/holds/:hold_key/capture' };
    const rows = toRouteSummaries({
      rate: [series(capture, [1, 2]), series(holds, [1, 4]), series({ http_request_method: 'GET', http_route: '/healthz' }, [1, 0])],
      failedRate: [series(holds, [1, 1])],
      p99: [series(holds, [1, 0.02]), series(capture, [1, NaN])],
    });
    assert.deepEqual(rows, [
      { method: 'POST', route: '/v1/holds', rate: 4, errorShare: 0.25, p99: 0.02 },
      { method: 'POST', route: '/v1/holds/:hold_key/capture', rate: 2, errorShare: 0, p99: undefined },
      { method: 'GET', route: '/healthz', rate: 0, errorShare: 0, p99: undefined },
    ]);
  });
});
