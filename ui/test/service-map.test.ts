import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { edgeRateQueries } from '../src/map-metrics.js';
import { FakeJaeger, tagOf, type JaegerTraceJson } from './support/fake-jaeger.js';
import { FakePrometheus, type FakeAnswer } from './support/fake-prometheus.js';
import { closedPortUrl } from './support/closed-port.js';

const RECORDED = readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8');

/** The recorded payment (gateway → auth, balance, payments → Postgres; payments → stripe-mock at 127.0.0.1:12111) as trace `n`, `agoS` seconds ago. */
function payment(n: number, agoS: number): JaegerTraceJson {
  const parsed = JSON.parse(RECORDED) as JaegerTraceJson | { data: JaegerTraceJson[] };
  const trace = 'data' in parsed ? parsed.data[0]! : parsed;
  const traceId = n.toString(16).padStart(32, '0');
  const shift = (Date.now() - agoS * 1000) * 1000 - Math.min(...trace.spans.map((s) => s.startTime));
  for (const s of trace.spans) {
    s.traceID = traceId;
    s.startTime += shift;
    for (const r of s.references) r.traceID = traceId;
  }
  trace.traceID = traceId;
  return trace;
}

/** Stripe answering 502 to this payment's charge (the payment then fails too). */
function stripeFails(trace: JaegerTraceJson): JaegerTraceJson {
  for (const s of trace.spans) {
    const status = s.tags.find((t) => t.key === 'http.response.status_code');
    if (String(tagOf(s, 'url.full')).includes(':12111/') && status) status.value = 502;
  }
  return trace;
}

const QUERIES = edgeRateQueries(900);
/** The SDKs' client metrics: gateway calls auth at 2/s; auth queries Postgres at 3/s; the gateway serves 5/s. */
function clientMetrics(query: string): FakeAnswer {
  if (query === QUERIES.http) {
    return { series: [{ labels: { service_name: 'gateway', server_address: '127.0.0.1', server_port: '8081' }, value: 2 }] };
  }
  if (query === QUERIES.database) return { series: [{ labels: { service_name: 'auth' }, value: 3 }] };
  if (query === QUERIES.served) return { series: [{ labels: { service_name: 'gateway' }, value: 5 }] };
  return {};
}

const edgeOf = (html: string, from: string, to: string) => {
  const match = new RegExp(
    `<a class="edge[^"]*" href="([^"]+)" data-from="${from}" data-to="${to}" data-per-second="([\\d.]+)" data-error-rate="([\\d.]+)" data-rate-source="(\\w+)"( data-floor="true")?`,
  ).exec(html);
  assert.ok(match, `an edge ${from} → ${to}`);
  return {
    href: match[1]!.replaceAll('&amp;', '&'),
    perSecond: Number(match[2]),
    errorRate: Number(match[3]),
    source: match[4],
    floor: match[5] !== undefined,
  };
};

describe('/map: the service map from Jaeger’s traces', () => {
  const jaeger = new FakeJaeger();
  const prometheus = new FakePrometheus(clientMetrics);
  before(async () => {
    await Promise.all([jaeger.start(), prometheus.start()]);
  });
  after(() => Promise.all([jaeger.stop(), prometheus.stop()]));

  test('nine payments and one Stripe failed, in the last 15 minutes: every edge, its rate, error share and search link; the metrics beside', async () => {
    jaeger.reset(...Array.from({ length: 9 }, (_, i) => payment(i + 1, 60 + i * 60)), stripeFails(payment(10, 30)));
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url }, settleMs: 0 });
    const res = await app.inject('/map');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    for (const [from, to] of [
      ['client', 'gateway'],
      ['gateway', 'auth'],
      ['gateway', 'balance'],
      ['gateway', 'payments'],
      ['auth', 'postgres'],
      ['balance', 'postgres'],
      ['payments', 'postgres'],
      ['payments', '127.0.0.1:12111'],
    ]) {
      assert.ok(edgeOf(html, from!, to!).perSecond > 0, `${from} → ${to} has a rate`);
    }
    // 10 calls in 900 s; one of ten Stripe charges answered 502.
    assert.equal(edgeOf(html, 'gateway', 'auth').perSecond, 0.0111);
    assert.equal(edgeOf(html, 'payments', '127.0.0.1:12111').errorRate, 0.1);
    assert.equal(edgeOf(html, 'gateway', 'auth').errorRate, 0);
    assert.equal(edgeOf(html, 'gateway', 'auth').href, '/search?service=gateway&tags=server.address%3D127.0.0.1%0Aserver.port%3D8081&lookback=15m');
    assert.equal(edgeOf(html, 'auth', 'postgres').href, '/search?service=auth&tags=db.system.name%3Dpostgresql&lookback=15m');
    assert.match(html, /<a class="node" href="\/search\?service=balance&amp;lookback=15m" data-node="balance" data-kind="service">/);
    assert.match(html, /data-node="postgres" data-kind="database"/);
    assert.match(html, /data-node="127.0.0.1:12111" data-kind="outside"/);
    // The cost: one list of services and 4 services × 4 slices searches.
    assert.equal(jaeger.searches.length, 16);
    assert.deepEqual([...new Set(jaeger.searches.map((q) => q.get('service')))].sort(), ['auth', 'balance', 'gateway', 'payments']);
    assert.ok(jaeger.searches.every((q) => q.get('limit') === '25'));
    assert.match(html, /10 traces \(\d+ returned\) read in 17 Jaeger calls/);
    assert.match(html, /Rates are of the sampled traces Jaeger holds/);
    // The table: the traces' rate, and the metrics' where they name the edge.
    assert.match(
      html,
      /<tr data-from="gateway" data-to="auth">.*?<td class="num">0\.01\/s<\/td><td class="num metrics" data-per-second="2\.0000">2\.0\/s<\/td>/s,
    );
    assert.match(html, /<tr data-from="auth" data-to="postgres">.*?<td class="num metrics" data-per-second="3\.0000">3\.0\/s<\/td>/s);
    assert.match(html, /<tr data-from="client" data-to="gateway">.*?<td class="num metrics" data-per-second="5\.0000">5\.0\/s<\/td>/s);
    assert.match(html, /<tr data-from="gateway" data-to="balance">.*?<td class="num">0\.01\/s<\/td><td class="num metrics">–<\/td>/s);
    assert.match(html, /<a href="\/map" aria-current="page">Service map<\/a>/);
  });

  test('a slice that fits one page is counted whole; a busier one is a floor (≥), read a page at a time, and the page says so', async () => {
    const burst = (n: number) => Array.from({ length: n }, (_, i) => payment(i + 1, 5 + i * 2));
    jaeger.reset(...burst(20));
    const app = await buildApp({ jaeger: { url: jaeger.url }, settleMs: 0 });
    const whole = await app.inject('/map');
    assert.equal(whole.statusCode, 200);
    // 20 payments in the window's last quarter: one page of 25 holds them all, for each service.
    const exact = edgeOf(whole.body, 'gateway', 'auth');
    assert.equal(exact.perSecond, 0.0222);
    assert.equal(exact.floor, false);
    assert.equal(jaeger.searches.length, 4 * 4);
    assert.doesNotMatch(whole.body, /floors/);

    jaeger.reset(...burst(60));
    const busy = await app.inject('/map');
    // Two pages of 25 (one trace on both): 49 of the 60 counted, and the edge says it is a floor.
    const floor = edgeOf(busy.body, 'gateway', 'auth');
    assert.equal(floor.floor, true);
    assert.ok(floor.perSecond <= 60 / 900 && floor.perSecond >= 45 / 900, `${floor.perSecond}/s`);
    assert.match(busy.body, /<tr data-from="gateway" data-to="auth">.*?<td class="num">≥ 0\.05\/s<\/td>/s);
    assert.match(
      busy.body,
      /auth, balance, gateway, payments: more than a page of traces in some slice of the window, so the traces\S* counts of their calls are floors/,
    );
  });

  test('one route over 5 minutes: only its traces, searched by operation, every call counted; the metrics left out', async () => {
    jaeger.reset(payment(1, 30), payment(2, 3_000));
    const app = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: prometheus.url }, settleMs: 0 });
    const res = await app.inject(`/map?window=5m&route=${encodeURIComponent('gateway POST /process-payment')}`);
    assert.equal(res.statusCode, 200);
    assert.equal(jaeger.searches.length, 4);
    assert.ok(jaeger.searches.every((q) => q.get('service') === 'gateway' && q.get('operation') === 'POST /process-payment'));
    // One payment in the window (the other is 50 minutes old): 1 call in 300 s.
    assert.equal(edgeOf(res.body, 'balance', 'postgres').perSecond > 0, true);
    assert.equal(edgeOf(res.body, 'gateway', 'auth').perSecond, 0.0033);
    assert.match(res.body, /The metrics count every route/);
  });

  test('bad parameters are a 400 page; Jaeger refusing is a 503; Prometheus down is a note', async () => {
    const refused = await closedPortUrl();
    const down = await buildApp({ jaeger: { url: refused } });
    for (const url of ['/map?window=2h', '/map?route=bogus']) assert.equal((await down.inject(url)).statusCode, 400, url);
    const res = await down.inject('/map');
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /Jaeger is not answering/);
    jaeger.reset(payment(1, 30));
    const noMetrics = await buildApp({ jaeger: { url: jaeger.url }, prometheus: { url: refused, timeoutMs: 500 }, settleMs: 0 });
    const page = await noMetrics.inject('/map');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer/);
    assert.ok(edgeOf(page.body, 'gateway', 'auth').perSecond > 0);
  });
});
