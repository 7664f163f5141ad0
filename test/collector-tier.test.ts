import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, stripeApiBase } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import {
  decisionWaitMs,
  fetchText,
  freeStackPorts,
  promSum,
  startTelemetryPipeline,
  type CollectorTier,
  type TelemetryPipeline,
} from '@paytrace/devstack';
import { JaegerClient } from '@paytrace/trace-analysis';
import {
  drivePayments,
  formatTailReport,
  NESTING_TOLERANCE_US,
  verifyTailSampled,
  type PaymentAttempt,
  type TailReport,
} from '@paytrace/lab/fidelity';

/**
 * The Collector tier keeps traces whole while it changes (docs/collector-tier.md): a router
 * (load_balancing by trace id) in front of tail-sampling Collectors, the SDKs at 100 %, under
 * concurrent load. Every payment's trace is judged against the tail policy's own decision
 * (tailBaselineKeeps: the same hash the processor computes), so "dropped by the policy" and
 * "lost" are told apart: kept ones must be whole in Jaeger, dropped ones absent.
 */

// Every knob of the scenario, in one place.
const TIER = {
  /** Sampling Collectors at the start. */
  samplers: 2,
  /** The only policy that keeps a trace here: no payment errs, none is slower than SLOW_MS. */
  baselinePercent: 30,
  slowMs: 60_000,
  decisionWait: '2s',
  /** The router's traces processors: no groupbytrace (docs/collector-tier.md says why). */
  routerProcessors: '[memory_limiter]',
};
const LOAD = { concurrency: 8, ratePerSecond: 30, total: 240 };
/**
 * How long each service's SDK batches spans before export (OTEL_BSP_SCHEDULE_DELAY; the SDK's
 * default is 5 s, the tests' 100 ms): a trace's spans reach the router up to this far apart, so
 * a ring change in between splits the trace across two samplers.
 */
const SDK_EXPORT_DELAY_MS = 1_000;
/** A change happens this long into a load (of total / rate = 8 s), so traces are in flight around it. */
const CHANGE_AFTER_MS = 3_000;
const API_KEY = 'test_key_alice';

describe('the Collector tier keeps tail-sampled traces whole while it changes', () => {
  let pipeline: TelemetryPipeline;
  let tier: CollectorTier;
  let stack: TestStack;
  let jaeger: JaegerClient;

  before(async () => {
    const onLine = (name: string, line: string) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`);
    pipeline = await startTelemetryPipeline({
      ports: await freeStackPorts(),
      onLine,
      collectors: TIER.samplers,
      collectorEnv: {
        OTELCOL_TAIL_BASELINE_PERCENT: String(TIER.baselinePercent),
        OTELCOL_TAIL_SLOW_MS: String(TIER.slowMs),
        OTELCOL_TAIL_DECISION_WAIT: TIER.decisionWait,
        OTELCOL_ROUTER_PROCESSORS: TIER.routerProcessors,
      },
    });
    tier = pipeline.tier!;
    jaeger = new JaegerClient(pipeline.jaegerUrl);
    await resetData(databaseUrl);
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: String(SDK_EXPORT_DELAY_MS) },
    });
  });
  after(async () => {
    await stack?.stop();
    await pipeline?.stop();
  });

  /** Drives the load, running `change` CHANGE_AFTER_MS into it; resolves with the payments and when the change began. */
  async function loadWith(change?: () => Promise<unknown>): Promise<{ attempts: PaymentAttempt[]; changedAt: number }> {
    const load = drivePayments({ gatewayUrl: stack.gateway, apiKey: API_KEY, ...LOAD });
    await sleep(CHANGE_AFTER_MS);
    const changedAt = Date.now();
    await change?.();
    const attempts = await load;
    assert.deepEqual(
      attempts.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {}),
      { 201: LOAD.total },
      'every payment succeeded',
    );
    return { attempts, changedAt };
  }

  async function verify(t: TestContext, attempts: PaymentAttempt[], settleTimeoutMs = 30_000): Promise<TailReport> {
    const report = await verifyTailSampled(jaeger, attempts, {
      baselinePercent: TIER.baselinePercent,
      settleTimeoutMs,
      toleranceUs: NESTING_TOLERANCE_US,
    });
    t.diagnostic(formatTailReport(report));
    assert.equal(report.checked, LOAD.total);
    assert.equal(report.keptAgainstPolicy, 0, `no trace the policy drops is in Jaeger\n${JSON.stringify(report.examples)}`);
    return report;
  }

  const assertAllWhole = (report: TailReport) =>
    assert.equal(report.broken + report.lost, 0, `every trace the policy keeps is whole in Jaeger\n${JSON.stringify(report.examples, null, 1)}`);

  test('steady: every kept trace whole, every dropped one absent, kept ≈ the policy share', async (t) => {
    const { attempts } = await loadWith();
    const report = await verify(t, attempts);
    assertAllWhole(report);
    // Binomial: 30 % of 240 has σ ≈ 7 traces; 5σ either side.
    const expected = (LOAD.total * TIER.baselinePercent) / 100;
    assert.ok(Math.abs(report.kept - expected) < 5 * Math.sqrt(expected * (1 - TIER.baselinePercent / 100)), `kept ${report.kept} of ${LOAD.total}`);
    assert.equal(report.split, 0, 'a steady ring never splits a trace');
    assert.deepEqual(Object.keys(report.spansByCollector).sort(), ['sampler-1', 'sampler-2'], 'both samplers forwarded spans');
    const rss = promSum(await fetchText(pipeline.collectorMetricsUrl), 'otelcol_process_memory_rss');
    t.diagnostic(`router ${TIER.routerProcessors}: resident ${(rss / 2 ** 20).toFixed(0)} MiB after the load`);
  });

  test('a sampler added mid-load: every kept trace still whole', async (t) => {
    let reloadMs = 0;
    const { attempts } = await loadWith(async () => {
      const started = performance.now();
      await tier.addSampler();
      reloadMs = performance.now() - started;
    });
    const report = await verify(t, attempts);
    t.diagnostic(`sampler-3 started and in the ring after ${Math.round(reloadMs)} ms`);
    assertAllWhole(report);
    assert.ok(report.spansByCollector['sampler-3']! > 0, 'the new sampler got its share');
  });

  test('a sampler removed gracefully mid-load: every kept trace still whole', async (t) => {
    let outOfRingMs = 0;
    const { attempts } = await loadWith(async () => ({ outOfRingMs } = await tier.removeSampler('sampler-1')));
    const report = await verify(t, attempts);
    t.diagnostic(`sampler-1 out of the ring after ${Math.round(outOfRingMs)} ms, then drained and stopped`);
    assertAllWhole(report);
    assert.deepEqual(
      tier.samplers.map((s) => s.name),
      ['sampler-2', 'sampler-3'],
    );
  });

  test('a sampler SIGKILLed mid-load: only traces it held are broken or lost, and they are counted', async (t) => {
    let outOfRingMs = 0;
    const { attempts, changedAt } = await loadWith(async () => {
      ({ outOfRingMs } = await tier.killSampler('sampler-2'));
    });
    const report = await verify(t, attempts, 15_000);
    // What the killed sampler could hold: traces whose first spans reached it up to a decision wait
    // (plus its 1 s decision tick) before the kill, and those routed to it until the ring no longer
    // had it. A payment's spans reach the router up to its duration and the SDKs' export delay
    // after it was sent (1 s more covers the slowest payments and the 200 ms batches).
    const heldFrom = changedAt - decisionWaitMs({ OTELCOL_TAIL_DECISION_WAIT: TIER.decisionWait }) - 1_000 - SDK_EXPORT_DELAY_MS - 1_000;
    const heldUntil = changedAt + outOfRingMs;
    const sentAt = new Map(attempts.map((a) => [a.traceId, a.sentAt]));
    const inWindow = attempts.filter((a) => a.sentAt >= heldFrom && a.sentAt <= heldUntil).length;
    t.diagnostic(
      `killed sampler-2; out of the ring after ${Math.round(outOfRingMs)} ms; ${report.broken + report.lost} traces broken or lost, ` +
        `of ${inWindow} payments sent while it could hold theirs`,
    );
    const outside = report.unwhole.filter((id) => {
      const at = sentAt.get(id)!;
      return at < heldFrom || at > heldUntil;
    });
    assert.deepEqual(outside, [], 'every broken or lost trace was sent while the killed sampler could hold it');
    assert.ok(report.kept > 0, 'the survivors kept their share');
  });
});
