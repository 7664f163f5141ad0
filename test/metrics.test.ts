/** Metrics against what was sent: at 1 % head sampling the SDK counts every request exactly, span metrics estimate within their interval, exemplars lead to traces. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOAD_API_KEYS, driveLoad, type LoadRequest } from '@paytrace/lab/load';
import { estimateRoute, PrometheusClient, readRoute, sampledCount, type RouteReading } from '@paytrace/metrics-analysis';
import { JaegerClient } from '@paytrace/trace-analysis';
import { databaseUrl, jaegerUrl, prometheusUrl, stripeApiBase } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';

const PAYMENTS = 600;
const RATE = 30;
const P = 0.01;

/** Polls `read` until `done` holds (or `timeoutMs` passes) and returns the last reading. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(500);
    value = await read();
  }
  return value;
}

const totalOf = (r: RouteReading) => Object.values(r.byStatus).reduce((a, b) => a + b, 0);

describe('metrics at 1 % sampling, against the answers', { timeout: 90_000 }, () => {
  // service.instance.id becomes Prometheus's `instance` label (SDK and span metrics alike): only this test's series.
  const instanceId = randomUUID();
  const mine = `instance="${instanceId}"`;
  const prometheus = new PrometheusClient(prometheusUrl);
  let stack: TestStack;
  let answers: LoadRequest[];
  let startedS: number;

  before(async () => {
    await resetData(databaseUrl);
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase,
      env: {
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: String(P),
        OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instanceId}`,
      },
    });
    startedS = Date.now() / 1000;
    answers = await driveLoad({ gatewayUrl: stack.gateway, apiKeys: LOAD_API_KEYS, concurrency: 8, total: PAYMENTS, ratePerSecond: RATE });
  });
  after(() => stack?.stop());

  test('service.instance.id is the `instance` label of both the SDK metrics and the span metrics', async () => {
    for (const metric of ['http_server_request_duration_seconds_count', 'traces_span_metrics_calls_total']) {
      const series = await until(
        () => prometheus.query(`${metric}{service_name="gateway",${mine}}`),
        (s) => s.length > 0,
      );
      assert.ok(series.length > 0, `${metric} has series with ${mine}`);
      for (const s of series) assert.equal(s.labels.instance, instanceId, JSON.stringify(s.labels));
    }
  });

  test("each service's pg pool is named by its database, not unknown_host:unknown_port/unknown_database", async () => {
    const { hostname, port, pathname } = new URL(databaseUrl);
    const series = await until(
      () => prometheus.query(`db_client_connection_max{${mine}}`),
      (s) => s.length >= 4,
    );
    assert.deepEqual(series.map((s) => s.labels.service_name).sort(), ['auth', 'balance', 'gateway', 'payments']);
    for (const s of series) assert.equal(s.labels.db_client_connection_pool_name, `${hostname}:${port}${pathname}`, JSON.stringify(s.labels));
  });

  test('the SDK counts every request the gateway answered, exactly, status by status', async () => {
    assert.equal(answers.length, PAYMENTS);
    const answered: Record<string, number> = {};
    for (const a of answers) {
      assert.notEqual(a.status, 0, `every request answered: ${a.error}`);
      answered[String(a.status)] = (answered[String(a.status)] ?? 0) + 1;
    }
    const sdk = await until(
      () => readRoute(prometheus, 'sdk', Date.now() / 1000, mine),
      (r) => totalOf(r) >= PAYMENTS,
    );
    assert.deepEqual(sdk.byStatus, answered);
    const estimate = estimateRoute(sdk, 1, 1)!;
    assert.equal(estimate.requests.estimate, PAYMENTS);
    for (const q of [estimate.p50!, estimate.p95!, estimate.p99!]) assert.ok(q.low <= q.estimate && q.estimate <= q.high && q.bounded);
    // Server-side time is shorter than the client's round trip: the client's median is never below the SDK's bucket.
    const clientMs = answers.map((a) => a.ms).sort((a, b) => a - b);
    assert.ok(clientMs[Math.floor(PAYMENTS / 2)]! >= estimate.p50!.low, `client p50 ${clientMs[PAYMENTS / 2]} ≥ ${estimate.p50!.low}`);
  });

  test('span metrics: k sampled spans, each counted 1/p times; the estimate of N within its interval', async () => {
    const sampled = answers.filter((a) => a.sampled).length;
    const span = await until(
      () => readRoute(prometheus, 'span', Date.now() / 1000, mine),
      (r) => Math.round(totalOf(r) * P) >= sampled,
    );
    const estimate = estimateRoute(span, P, PAYMENTS / RATE);
    assert.ok(sampled > 0 && estimate, `${sampled} payments sampled (traceresponse), ${totalOf(span)} in span metrics`);
    // Exactly the sampled requests, each weighed 1/p (the Collector rounds 100.00… to 100 or 101).
    assert.equal(estimate.seen, sampled);
    assert.ok(Math.abs(estimate.requests.estimate - sampled / P) <= sampled, `${estimate.requests.estimate} ≈ ${sampled} × ${1 / P}`);
    // The 95 % interval misses N one run in twenty by design: assert at 99.9 % (one in a thousand), report the 95 %.
    const wide = sampledCount(sampled, P, 0.999);
    assert.ok(wide.low <= PAYMENTS && PAYMENTS <= wide.high, `${PAYMENTS} in the 99.9 % interval [${wide.low}, ${wide.high}]`);
    const { low, high } = estimate.requests;
    console.log(`span metrics: ${sampled} sampled → ${estimate.requests.estimate} [${low}, ${high}] (95 %) for ${PAYMENTS} sent`);
    assert.ok(low <= estimate.requests.estimate && estimate.requests.estimate <= high);
  });

  test('an exemplar on the span metrics leads to a sampled payment trace in Jaeger', async () => {
    const selector = `traces_span_metrics_duration_milliseconds_bucket{service_name="gateway",span_name="POST /process-payment",${mine}}`;
    const exemplars = await until(
      () => prometheus.exemplars(selector, { start: startedS - 5, end: Date.now() / 1000 + 5 }),
      (e) => e.length > 0,
    );
    assert.ok(exemplars.length > 0, 'at least one exemplar');
    const sampledTraceIds = new Set(answers.filter((a) => a.sampled).map((a) => a.traceId));
    const traceId = exemplars[0]!.traceId!;
    assert.ok(sampledTraceIds.has(traceId), `exemplar ${traceId} is one of the sampled answers`);
    const spans = await new JaegerClient(jaegerUrl).waitForTrace(traceId, { minSpans: 5 });
    const root = spans.find((s) => s.parentSpanId === undefined);
    assert.equal(root?.service, 'gateway');
    assert.equal(root?.name, 'POST /process-payment');
  });
});
