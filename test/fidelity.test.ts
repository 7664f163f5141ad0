import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, stripePort } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { freeStackPorts, startLatencyProxy, startTelemetryPipeline, type LatencyProxy, type TelemetryPipeline } from '@paytrace/devstack';
import { JaegerClient } from '@paytrace/trace-analysis';
import {
  drivePayments,
  formatReport,
  NESTING_TOLERANCE_US,
  verifyPayments,
  type DriveOptions,
  type FidelityReport,
  type PaymentAttempt,
} from '@paytrace/lab/fidelity';

/**
 * Traces must be true when the stack is under stress, not only when it is quiet. Each condition
 * drives concurrent payments, more in flight than the pools hold (gateway → each service 4
 * connections, payments → Stripe 2, 3 Postgres clients per service), then checks EVERY request's
 * trace in Jaeger: a sampled one is exactly one tree of its own request (one root, no orphans,
 * auth 1 / balance 2 / payments 1 SERVER spans each under a gateway CLIENT span and naming its
 * payment, every child inside its parent within 0.3 ms); an unsampled one is absent.
 *
 * This file runs its own Collectors and Jaegers, so it can freeze and restart them: one pipeline
 * on the default trace store (memstore), and one on Badger for Jaeger's restart under load:
 * keeping what was stored before a restart is a promise only the disk store makes (memstore
 * starts empty again, docs/trace-store.md).
 */

const CONCURRENCY = 16;
const POOLS = { UPSTREAM_CONNECTIONS: '4', STRIPE_MAX_CONNECTIONS: '2', DATABASE_POOL_SIZE: '3' };
const API_KEY = 'test_key_alice';

describe('traces stay true under concurrent load and faults', () => {
  let pipeline: TelemetryPipeline;
  let diskPipeline: TelemetryPipeline;
  let stripe: LatencyProxy;
  let postgres: LatencyProxy;

  before(async () => {
    const onLine = (name: string, line: string) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`);
    pipeline = await startTelemetryPipeline({ ports: await freeStackPorts(), onLine });
    diskPipeline = await startTelemetryPipeline({ ports: await freeStackPorts(), onLine, jaegerEnv: { JAEGER_TRACE_STORAGE: 'badger' } });
    assert.equal(pipeline.traceStore.kind, 'memstore', 'the default store');
    // The real stripe-mock and the real Postgres, behind proxies that can make them slow.
    stripe = await startLatencyProxy({ targetPort: stripePort });
    postgres = await startLatencyProxy({ targetPort: Number(new URL(databaseUrl).port) });
    await resetData(databaseUrl);
  });
  after(async () => {
    await pipeline?.stop();
    await diskPipeline?.stop();
    await stripe?.close();
    await postgres?.close();
  });

  /** The four services against the proxies and one of this file's Collectors, with small pools. */
  async function withStack<T>(env: NodeJS.ProcessEnv, run: (stack: TestStack) => Promise<T>, on = pipeline): Promise<T> {
    const url = new URL(databaseUrl);
    url.port = String(postgres.port);
    const stack = await startTestStack({
      databaseUrl: url.toString(),
      stripeApiBase: `http://127.0.0.1:${stripe.port}`,
      env: { ...POOLS, OTEL_EXPORTER_OTLP_ENDPOINT: on.otlpEndpoint, ...env },
    });
    try {
      return await run(stack);
    } finally {
      await stack.stop();
    }
  }

  const drive = (stack: TestStack, options: Partial<DriveOptions> & { total: number }) =>
    drivePayments({ gatewayUrl: stack.gateway, apiKey: API_KEY, concurrency: CONCURRENCY, ...options });

  /** Checks every request's trace, prints the counts, and fails with the first bad trace. */
  async function assertTrue(
    t: TestContext,
    attempts: PaymentAttempt[],
    options: { sampled: 'all' | 'some'; settleTimeoutMs?: number; on?: TelemetryPipeline },
  ) {
    const report: FidelityReport = await verifyPayments(new JaegerClient((options.on ?? pipeline).jaegerUrl), attempts, {
      settleTimeoutMs: options.settleTimeoutMs ?? 30_000,
      toleranceUs: NESTING_TOLERANCE_US,
    });
    const summary = formatReport(report);
    t.diagnostic(summary.split('\n').slice(0, 2).join(' | '));
    assert.deepEqual(report.statuses, { 201: attempts.length }, `every payment succeeded\n${summary}`);
    if (options.sampled === 'all') assert.equal(report.sampled, attempts.length, `every request sampled\n${summary}`);
    else assert.ok(report.sampled > 0 && report.unsampled > 0, `some requests sampled, some not\n${summary}`);
    assert.equal(report.checked, report.sampled, summary);
    assert.equal(report.good, report.checked, `every sampled trace is exactly its own request's tree\n${summary}`);
    assert.equal(report.unsampledStored, 0, `no unsampled request is in Jaeger\n${summary}`);
  }

  test('plain load at 100% sampling', async (t) => {
    await withStack({}, async (stack) => assertTrue(t, await drive(stack, { total: 160 }), { sampled: 'all' }));
  });

  /** Runs `run` with `proxy`'s dependency answering `latencyMs` late, then makes it fast again. */
  async function whileSlow(proxy: LatencyProxy, latencyMs: number, run: () => Promise<void>) {
    proxy.setLatency(latencyMs);
    try {
      await run();
    } finally {
      proxy.setLatency(0);
    }
  }

  test('Stripe slow: the gateway → payments and payments → Stripe pools queue', async (t) => {
    await whileSlow(stripe, 150, () => withStack({}, async (stack) => assertTrue(t, await drive(stack, { total: 80 }), { sampled: 'all' })));
  });

  test('Postgres slow: every service queues for its 3 pg clients', async (t) => {
    await whileSlow(postgres, 4, () => withStack({}, async (stack) => assertTrue(t, await drive(stack, { total: 80 }), { sampled: 'all' })));
  });

  test('the Collector frozen (SIGSTOP) for 15 s, then resumed', async (t) => {
    await withStack({}, async (stack) => {
      pipeline.collector.signal('SIGSTOP');
      let attempts: PaymentAttempt[];
      try {
        // 10 payments/s through the pause: the SDKs hold the spans until the Collector answers.
        [attempts] = await Promise.all([drive(stack, { total: 140, ratePerSecond: 10 }), sleep(15_000)]);
      } finally {
        pipeline.collector.signal('SIGCONT');
      }
      await assertTrue(t, attempts, { sampled: 'all', settleTimeoutMs: 60_000 });
    });
  });

  test('Jaeger (on Badger) restarted under load', async (t) => {
    await withStack(
      {},
      async (stack) => {
        const load = drive(stack, { total: 120, ratePerSecond: 20 });
        await sleep(2_000);
        await diskPipeline.restartJaeger(() => sleep(2_000));
        await assertTrue(t, await load, { sampled: 'all', settleTimeoutMs: 60_000, on: diskPipeline });
      },
      diskPipeline,
    );
  });

  // What is in flight when the Collector restarts is on its queue on disk, whatever Jaeger's store:
  // so this one runs on the default, memstore, whose Jaeger starts empty and gets every span.
  test('the Collector restarted while Jaeger is down: its queue on disk loses nothing', async (t) => {
    await withStack({}, async (stack) => {
      let attempts: PaymentAttempt[] = [];
      await pipeline.restartJaeger(async () => {
        attempts = await drive(stack, { total: 60, ratePerSecond: 20 });
        await sleep(2_000); // the SDKs' last batches reach the Collector, which cannot deliver them
        await pipeline.restartCollector();
      });
      await assertTrue(t, attempts, { sampled: 'all', settleTimeoutMs: 60_000 });
    });
  });

  test('parentbased_traceidratio at 0.1: sampled traces whole, unsampled ones absent', async (t) => {
    await withStack({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, async (stack) =>
      assertTrue(t, await drive(stack, { total: 300 }), { sampled: 'some' }),
    );
  });
});
