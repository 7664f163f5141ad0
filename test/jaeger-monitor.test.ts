import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, jaegerUrl, stripeApiBase } from './support/env.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * Jaeger's Monitor tab (SPM) reads the Collector's span metrics from Prometheus, with
 * telemetry/jaeger.yaml's metrics backend, the file compose runs too. A go-built Jaeger has no UI,
 * but the tab's API answers: this is the request the tab makes.
 */
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ databaseUrl, stripeApiBase });
});
after(() => stack?.stop());

interface MetricFamily {
  name: string;
  metrics: Array<{ labels: Array<{ name: string; value: string }>; metricPoints: Array<{ gaugeValue: { doubleValue: number } }> }>;
}

test("Jaeger's Monitor API answers the gateway's call rate per operation from the span metrics", async () => {
  for (let i = 0; i < 10; i++) assert.equal((await stack.pay({ amount: 100, currency: 'usd' })).status, 201);
  // The test pipeline flushes span metrics every second; Jaeger computes rates over its own window.
  let family: MetricFamily | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const url = new URL('/api/metrics/calls', jaegerUrl);
    for (const [key, value] of Object.entries({
      service: 'gateway',
      groupByOperation: 'true',
      endTs: Date.now(),
      lookback: 300_000,
      step: 15_000,
      ratePer: 60_000,
    })) {
      url.searchParams.set(key, String(value));
    }
    const res = await fetch(url);
    assert.equal(res.status, 200, await res.clone().text());
    family = (await res.json()) as MetricFamily;
    const payments = family.metrics.find((m) => m.labels.some((l) => l.name === 'operation' && l.value === 'POST /process-payment'));
    if (payments?.metricPoints.some((p) => p.gaugeValue.doubleValue > 0)) return;
    await sleep(1_000);
  }
  assert.fail(`no call rate for POST /process-payment: ${JSON.stringify(family)}`);
});
