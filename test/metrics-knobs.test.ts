import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrometheusClient } from '@paytrace/metrics-analysis';
import { JaegerClient } from '@paytrace/trace-analysis';
import { databaseUrl, jaegerUrl, prometheusUrl, stripeApiBase } from './support/env.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * The standard metric knobs keep working: OTEL_METRICS_EXPORTER=none turns the SDK's metrics off
 * (traces still flow), and by default every service exports them. Each stack has its own
 * service.instance.id, which Prometheus's OTLP receiver makes the `instance` label.
 */
const prometheus = new PrometheusClient(prometheusUrl);
const jaeger = new JaegerClient(jaegerUrl);
const PAYMENTS = 5;

async function payAndCount(env: Record<string, string>): Promise<{ instance: string; traceIds: string[]; stack: TestStack }> {
  const instance = randomUUID();
  const stack = await startTestStack({ databaseUrl, stripeApiBase, env: { OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`, ...env } });
  const traceIds: string[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    const res = await stack.pay({ amount: 100, currency: 'usd' });
    assert.equal(res.status, 201);
    traceIds.push(res.body.trace_id);
  }
  return { instance, traceIds, stack };
}

/** The gateway's count of POST /process-payment answers for this instance, once it stops changing. */
async function gatewayCount(instance: string): Promise<number | undefined> {
  const query = `sum(http_server_request_duration_seconds_count{service_name="gateway",http_route="/process-payment",instance="${instance}"})`;
  // Services export every second (test/support/stack.ts); three exports is plenty.
  await sleep(3_000);
  return prometheus.scalar(query);
}

describe('OTEL_METRICS_EXPORTER: on by default, off with none', () => {
  const stacks: TestStack[] = [];
  after(() => Promise.all(stacks.map((s) => s.stop())));

  test('by default, the gateway counts every payment in Prometheus, under its own instance', async () => {
    const { instance, stack } = await payAndCount({});
    stacks.push(stack);
    assert.equal(await gatewayCount(instance), PAYMENTS);
  });

  test('with none, no SDK series reach Prometheus for that instance, and the traces still reach Jaeger', async () => {
    const { instance, traceIds, stack } = await payAndCount({ OTEL_METRICS_EXPORTER: 'none' });
    stacks.push(stack);
    assert.equal(await gatewayCount(instance), undefined);
    // The Collector's span metrics (and the target_info of their resource) still come, from the spans.
    const sdkSeries = await prometheus.query(`count({instance="${instance}",__name__!~"traces_span_metrics_.*|target_info"})`);
    assert.deepEqual(sdkSeries, []);
    assert.ok(await prometheus.scalar(`sum(traces_span_metrics_calls_total{instance="${instance}",service_name="gateway"})`));
    for (const traceId of traceIds) assert.ok(await jaeger.waitForTrace(traceId, { minSpans: 10 }), traceId);
  });
});
