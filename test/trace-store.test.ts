import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseUrl, stripeApiBase } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { freeStackPorts, startTelemetryPipeline, type TelemetryPipeline } from '@paytrace/devstack';
import { JaegerClient } from '@paytrace/trace-analysis';
import { drivePayments, formatReport, NESTING_TOLERANCE_US, verifyPayments, type PaymentAttempt } from '@paytrace/lab/fidelity';

/**
 * Jaeger's trace store keeps its promises (docs/trace-store.md): memstore, the default, holds at
 * most JAEGER_MAX_TRACES under a sustained run, the oldest going first and the newest whole, and
 * starts empty after a restart; Badger keeps what it stored across a restart.
 */

const MAX_TRACES = 150;

describe("Jaeger's trace store", () => {
  let memstore: TelemetryPipeline;
  let badger: TelemetryPipeline;
  before(async () => {
    memstore = await startTelemetryPipeline({ ports: await freeStackPorts(), jaegerEnv: { JAEGER_MAX_TRACES: String(MAX_TRACES) } });
    badger = await startTelemetryPipeline({ ports: await freeStackPorts(), jaegerEnv: { JAEGER_TRACE_STORAGE: 'badger' } });
    await resetData(databaseUrl);
  });
  after(async () => {
    await memstore?.stop();
    await badger?.stop();
  });

  async function withServices<T>(pipeline: TelemetryPipeline, run: (stack: TestStack) => Promise<T>): Promise<T> {
    const stack = await startTestStack({ databaseUrl, stripeApiBase, env: { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint } });
    try {
      return await run(stack);
    } finally {
      await stack.stop();
    }
  }
  const pay = (stack: TestStack, total: number, ratePerSecond: number) =>
    drivePayments({ gatewayUrl: stack.gateway, apiKey: 'test_key_alice', concurrency: 8, total, ratePerSecond });
  const verify = (pipeline: TelemetryPipeline, attempts: PaymentAttempt[]) =>
    verifyPayments(new JaegerClient(pipeline.jaegerUrl), attempts, { settleTimeoutMs: 30_000, toleranceUs: NESTING_TOLERANCE_US });
  const stored = async (pipeline: TelemetryPipeline, attempts: PaymentAttempt[]) => {
    const jaeger = new JaegerClient(pipeline.jaegerUrl);
    let n = 0;
    for (const a of attempts) if (await jaeger.getTrace(a.traceId!)) n++;
    return n;
  };

  test('memstore under a sustained run: at most JAEGER_MAX_TRACES, the oldest gone, the newest whole', async (t) => {
    assert.equal(memstore.traceStore.kind, 'memstore');
    // Three times the bound, 30 payments/s for 15 s: each payment is one trace.
    const attempts = await withServices(memstore, (stack) => pay(stack, 3 * MAX_TRACES, 30));
    assert.ok(
      attempts.every((a) => a.status === 201 && a.sampled && a.traceId),
      'every payment succeeded and was sampled',
    );
    const newest = attempts.slice(-MAX_TRACES / 2);
    const report = await verify(memstore, newest);
    t.diagnostic(formatReport(report).split('\n')[0]!);
    assert.equal(report.good, newest.length, `the newest half of the bound is in Jaeger, each trace whole\n${formatReport(report)}`);
    const oldest = attempts.slice(0, MAX_TRACES);
    assert.equal(await stored(memstore, oldest), 0, 'the first payments made way for the newer');
    const all = await stored(memstore, attempts);
    t.diagnostic(`${all} of ${attempts.length} payments' traces kept (bound ${MAX_TRACES})`);
    assert.ok(all <= MAX_TRACES, `${all} traces kept, at most ${MAX_TRACES}`);
  });

  test('Badger keeps its traces across a Jaeger restart; memstore starts empty', async () => {
    const [onDisk, inMemory] = [
      await withServices(badger, (stack) => pay(stack, 20, 20)),
      await withServices(memstore, (stack) => pay(stack, 20, 20)),
    ];
    assert.equal((await verify(badger, onDisk)).good, onDisk.length, 'all stored before the restart');
    assert.equal((await verify(memstore, inMemory)).good, inMemory.length, 'all stored before the restart');
    await badger.restartJaeger();
    await memstore.restartJaeger();
    const report = await verify(badger, onDisk);
    assert.equal(report.good, onDisk.length, `Badger: every trace still whole after the restart\n${formatReport(report)}`);
    assert.equal(await stored(memstore, inMemory), 0, 'memstore: none after the restart');
  });
});
