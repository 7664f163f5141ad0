/**
 * The charts on / and /services/<name> against a fake Prometheus (and a fake Jaeger serving a
 * recent payment): what is asked, what is drawn, and a Prometheus that does not answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { FakeJaeger, type JaegerTraceJson } from './support/fake-jaeger.js';
import { FakePrometheus, type FakeAnswer } from './support/fake-prometheus.js';
import { closedPortUrl } from './support/closed-port.js';

/** The recorded payment, moved to a minute ago so the front page lists it. */
function recentPayment(): JaegerTraceJson {
  const trace = JSON.parse(
    readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8'),
  ) as JaegerTraceJson;
  const shift = (Date.now() - 60_000) * 1000 - Math.min(...trace.spans.map((s) => s.startTime));
  for (const s of trace.spans) s.startTime += shift;
  return trace;
}

const EXEMPLAR_TRACE = 'ab'.repeat(16);

/** Prometheus as the stack's would answer under steady load: 4 req/s, no 5xx, p99 50 ms. */
function steadyLoad(query: string): FakeAnswer {
  const one = (value: number) => ({ series: [{ labels: {}, value }] });
  if (query.startsWith('group by (service_name')) {
    return {
      series: [
        { labels: { service_name: 'gateway', http_request_method: 'POST', http_route: '/process-payment' }, value: 1 },
        { labels: { service_name: 'balance', http_request_method: 'POST', http_route: '/v1/holds' }, value: 1 },
      ],
    };
  }
  if (query.startsWith('traces_span_metrics_duration_milliseconds_bucket')) {
    return { exemplars: [{ traceId: EXEMPLAR_TRACE, seconds: Math.floor(Date.now() / 1000) - 30, ms: 42.5 }] };
  }
  if (query.startsWith('sum by (http_request_method, http_route) (rate(')) {
    return { series: [{ labels: { http_request_method: 'POST', http_route: '/v1/holds' }, value: query.includes('5..') ? 0 : 8 }] };
  }
  if (query.startsWith('histogram_quantile(0.99, sum by (http_request_method')) {
    return { series: [{ labels: { http_request_method: 'POST', http_route: '/v1/holds' }, value: 0.012 }] };
  }
  if (query.includes('db_client_connection_max')) return one(10);
  if (query.includes('db_client_connection')) return { series: [] };
  if (query.startsWith('histogram_quantile(0.99')) return one(0.05);
  if (query.startsWith('histogram_quantile')) return one(0.02);
  if (query.startsWith('(sum(rate(')) return one(0);
  return one(4);
}

describe('the metrics on / and /services/<name>', () => {
  const jaeger = new FakeJaeger();
  const prometheus = new FakePrometheus(steadyLoad);
  let payment: JaegerTraceJson;
  before(async () => {
    await Promise.all([jaeger.start(), prometheus.start()]);
    payment = recentPayment();
    jaeger.reset(payment);
  });
  after(() => Promise.all([jaeger.stop(), prometheus.stop()]));

  test('/ charts gateway POST /process-payment over 15 minutes by default, with the last minute as text and exemplar dots', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url } });
    prometheus.asked = [];
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<section class="metrics" id="metrics" data-route="gateway POST \/process-payment">/);
    assert.match(html, /The last minute: <strong>4\.0\/s<\/strong>, p99 <strong>50\.0 ms<\/strong>/);
    for (const id of ['rate', 'errors', 'latency']) assert.match(html, new RegExp(`id="chart-${id}" data-points="[1-9]\\d*"`));
    assert.match(html, /error rate: the share of requests answered 5xx/i);
    assert.match(html, new RegExp(`<a class="exemplar" href="/trace/${EXEMPLAR_TRACE}"`));
    assert.match(html, /<title>42\.5 ms at \d\d:\d\d:\d\d\.\d{3} UTC: trace abab/);
    // The selector lists what Prometheus knows, the charted route selected; the service's page is linked.
    assert.match(html, /<option value="gateway POST \/process-payment" selected>/);
    assert.match(html, /<option value="balance POST \/v1\/holds">/);
    assert.match(html, /<a href="\/services\/gateway\?window=15m" id="service-link">/);
    // The traces are still there, under the charts.
    assert.ok(html.indexOf('id="metrics"') < html.indexOf(`data-trace-id="${payment.traceID}"`));

    // One range per figure: 15 minutes, a point every 15 s, for the route's own series.
    const ranges = prometheus.asked.filter((q) => q.has('step'));
    assert.equal(ranges.length, 5, 'rate, errors, p50, p95, p99');
    for (const q of ranges) {
      assert.equal(q.get('step'), '15');
      assert.equal(Number(q.get('end')) - Number(q.get('start')), 900);
      assert.ok(q.get('query')!.includes('service_name="gateway",http_request_method="POST",http_route="/process-payment"'), q.get('query')!);
    }
  });

  test('/?route=…&window=5m charts that route over 5 minutes; the traces’ filter keeps the choice', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url } });
    prometheus.asked = [];
    const res = await app.inject(`/?${new URLSearchParams({ route: 'balance POST /v1/holds', window: '5m', outcome: 'failed' })}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /data-route="balance POST \/v1\/holds"/);
    assert.match(res.body, /<input type="hidden" name="route" value="balance POST \/v1\/holds"\/>/);
    assert.match(res.body, /<input type="hidden" name="outcome" value="failed"\/>/);
    const ranges = prometheus.asked.filter((q) => q.has('step'));
    assert.ok(ranges.every((q) => q.get('step') === '5' && q.get('query')!.includes('service_name="balance"')));
  });

  test('a malformed route or window is a 400 page', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url } });
    for (const url of ['/?window=2h', '/?route=gateway', `/?route=${encodeURIComponent('gateway post /x')}`]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.body, /<h1>Bad request<\/h1>/);
    }
  });

  test('Prometheus refusing: / still lists the traces, under one line that says why there are no charts', async () => {
    const down = await closedPortUrl();
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: down } });
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.match(
      res.body,
      new RegExp(`<p class="metrics-note" id="metrics-unavailable">No charts: Prometheus at ${down} did not answer \\(ECONNREFUSED\\)`),
    );
    assert.doesNotMatch(res.body, /class="timechart"/);
    assert.match(res.body, new RegExp(`data-trace-id="${payment.traceID}"`));
    // The service page is nothing but metrics: a 503 that says so.
    const service = await app.inject('/services/gateway');
    assert.equal(service.statusCode, 503);
    assert.match(service.body, /Prometheus is not answering/);
  });

  test('/services/balance: a panel per saturation figure, and its routes’ rate, 5xx share and p99', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url } });
    prometheus.asked = [];
    const res = await app.inject('/services/balance?window=1h');
    assert.equal(res.statusCode, 200);
    const ids = [...res.body.matchAll(/<section class="panel" id="panel-([a-z-]+)" data-empty="(true|false)">/g)].map(
      ([, id, empty]) => `${id} ${empty}`,
    );
    assert.deepEqual(ids, [
      'event-loop-delay false',
      'event-loop-utilization false',
      // One of its three lines has points (the pool's size): the panel has data.
      'pg-pool false',
      'in-flight false',
      'heap false',
      'gc false',
    ]);
    assert.match(
      res.body,
      /<tr data-route="POST \/v1\/holds"><td><a href="\/\?route=balance\+POST\+%2Fv1%2Fholds&amp;window=1h">POST \/v1\/holds<\/a><\/td><td class="num">8\.0\/s<\/td><td class="num">0%<\/td><td class="num">12\.0 ms<\/td>/,
    );
    const ranges = prometheus.asked.filter((q) => q.has('step'));
    assert.equal(ranges.length, 8, 'one range query per line of the six panels');
    assert.ok(ranges.every((q) => q.get('step') === '60' && q.get('query')!.includes('service_name="balance"')));
  });

  test('/services/<name>: a service Prometheus has not seen is a 404 page, a malformed name a 400', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url } });
    const unknown = await app.inject('/services/ledger');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /no requests to a service named &quot;ledger&quot;/);
    assert.equal((await app.inject('/services/a%20b')).statusCode, 400);
  });
});

describe("the last minute's verdict reads the runtime metrics too", () => {
  const jaeger = new FakeJaeger();
  // auth's event loop ran ~100 ms late all minute; the other services' loops were on time.
  const stalledAuth = new FakePrometheus((query) => {
    if (query.includes('nodejs_eventloop_delay_p99_seconds')) {
      return {
        series: ['auth', 'balance', 'gateway', 'payments'].map((service) => ({
          labels: { service_name: service },
          value: service === 'auth' ? 104 : 12,
        })),
      };
    }
    return steadyLoad(query);
  });
  before(async () => {
    await Promise.all([jaeger.start(), stalledAuth.start()]);
    jaeger.reset(recentPayment());
  });
  after(() => Promise.all([jaeger.stop(), stalledAuth.stop()]));

  test('a service whose event loop stalled is named, with its figure, though no span stands out', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: stalledAuth.url } });
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /data-culprit-service="auth" data-culprit-kind="runtime"/);
    assert.match(res.body, /<li data-service="auth" data-kind="event-loop">from the metrics: auth: event-loop delay p99 104 ms/);
    // The minute it judged is the verdict's: the same window as its trace search, the one before as the baseline.
    const asked = stalledAuth.asked.filter((q) => q.get('query')!.includes('nodejs_eventloop_delay_p99_seconds'));
    assert.equal(asked.length, 2);
    const [start, end] = asked.map((q) => Number(q.get('time'))).sort((a, b) => a - b);
    assert.equal(end! - start!, 60);
  });
});
