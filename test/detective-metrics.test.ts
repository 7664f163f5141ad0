/** The detective reads metrics: a service paused a third of the time is named from its event-loop delay, and a healthy window names none. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, jaegerUrl, prometheusUrl, stripeApiBase } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { JaegerClient, analyzeTrace, collectTraces, verdict, type Verdict } from '@paytrace/trace-analysis';
import { PrometheusClient, runtimeFindings, type RuntimeReport } from '@paytrace/metrics-analysis';
import { driveLoad, LOAD_API_KEYS, type LoadRequest } from '@paytrace/lab/load';
import { pauseCycle } from '@paytrace/devstack';

/**
 * Against the real stack on the shared test pipeline (Collector → Prometheus): the four services
 * export every second under a service.instance.id of this run's own, which Prometheus makes the
 * `instance` label, so other tests' series never mix in. 20 payments a second throughout; auth is
 * stopped 100 ms of every 300 (SIGSTOP/SIGCONT) in the second window only.
 */

const RATE = 20;
const WARM_UP_MS = 5_000;
const WINDOW_MS = 12_000;
/** The first second of a window is left out: its exports still cover the window before. */
const LEAD_IN_S = 2;
/** Exports every second, then the Collector's batch: the window's last points are in Prometheus after this. */
const ARRIVAL_MS = 3_000;
const PAUSED = 'auth';

describe('the detective names a service from its runtime metrics', () => {
  const instance = randomUUID();
  const prometheus = new PrometheusClient(prometheusUrl);
  const jaeger = new JaegerClient(jaegerUrl);
  let stack: TestStack;

  before(async () => {
    await resetData(databaseUrl);
    stack = await startTestStack({ databaseUrl, stripeApiBase, env: { OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}` } });
  });
  after(async () => {
    // Never leave a service stopped, whatever failed.
    stack?.processes.get(PAUSED)?.signal('SIGCONT');
    await stack?.stop();
  });

  const load = (durationMs: number) =>
    driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: 8, ratePerSecond: RATE, durationMs });

  /** The runtime findings over [from + lead-in, to] against the same length before, and the verdict with them. */
  async function judge(from: number, to: number, requests: LoadRequest[]): Promise<{ report: RuntimeReport; verdict: Verdict }> {
    await sleep(ARRIVAL_MS);
    const report = await runtimeFindings(prometheus, { start: from / 1000 + LEAD_IN_S, end: to / 1000, matchers: `instance="${instance}"` });
    const traceIds = requests.flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : [])).slice(-150);
    const traces = await collectTraces(jaeger, { traceIds }, { settleMs: 0 });
    return { report, verdict: verdict(traces.map(analyzeTrace), { runtime: report.findings }) };
  }

  const figures = (report: RuntimeReport) =>
    report.services
      .map(
        ({ service, window: w, before: b }) =>
          `${service}: p99 ${w.delayP99Ms?.toFixed(1)} ms (before ${b.delayP99Ms?.toFixed(1)}), max ${w.delayMaxMs?.toFixed(1)} ms, ` +
          `ELU ${w.utilization?.toFixed(2)}, in flight ${w.inFlight?.toFixed(2)} at ${w.requestRate?.toFixed(1)}/s (before ${b.inFlight?.toFixed(2)} at ${b.requestRate?.toFixed(1)}/s), ` +
          `pool pending ${w.poolPending?.toFixed(2)} (peak ${w.poolPendingPeak}) used ${w.poolUsed}/${w.poolMax}`,
      )
      .join('\n  ');

  test(`auth paused 100 ms every 300 ms: the verdict names auth's event loop with its figure; a healthy window names no service`, async (t) => {
    await load(WARM_UP_MS);

    const controlFrom = Date.now();
    const controlRequests = await load(WINDOW_MS);
    const control = await judge(controlFrom, Date.now(), controlRequests);
    t.diagnostic(`control:\n  ${figures(control.report)}\n  verdict: ${control.verdict.sentence}`);
    assert.equal(control.report.services.length, 4, `four services' figures under instance ${instance}`);
    assert.deepEqual(
      control.report.findings.filter((f) => f.kind === 'event-loop'),
      [],
      `no service's event loop should be named on a healthy stack:\n  ${figures(control.report)}`,
    );
    assert.notEqual(control.verdict.culprit?.kind, 'runtime', control.verdict.sentence);

    const pausedFrom = Date.now();
    const pid = stack.processes.get(PAUSED)!.pid;
    const [pausedRequests, cycle] = await Promise.all([
      load(WINDOW_MS),
      pauseCycle(pid, { everyMs: 300, forMs: 100, durationMs: WINDOW_MS, send: (signal) => stack.processes.get(PAUSED)!.signal(signal) }),
    ]);
    const paused = await judge(pausedFrom, Date.now(), pausedRequests);
    t.diagnostic(`${cycle.pauses} pauses, ${cycle.stoppedMs} ms stopped:\n  ${figures(paused.report)}\n  verdict: ${paused.verdict.sentence}`);

    const stalled = paused.report.findings.filter((f) => f.kind === 'event-loop');
    assert.deepEqual(
      stalled.map((f) => f.service),
      [PAUSED],
      `only ${PAUSED}'s event loop should be named:\n  ${figures(paused.report)}`,
    );
    assert.ok(stalled[0]!.value >= 50, `${PAUSED}'s event-loop delay p99 is ${stalled[0]!.value} ms`);
    assert.match(stalled[0]!.summary, /^auth: event-loop delay p99 \d+ ms over the window/);
    assert.equal(paused.verdict.culprit?.service, PAUSED, paused.verdict.sentence);
    assert.equal(paused.verdict.culprit?.kind, 'runtime');
    assert.match(paused.verdict.sentence, /GC/);
  });
});
