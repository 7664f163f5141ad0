import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, jaegerUrl } from './support/env.js';
import { resetData } from './support/db.js';
import type { TestStack } from './support/stack.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { JaegerClient, type TraceSpan, analyzeTrace, collectTraces, toMermaidGantt, verdict, type Verdict, median } from '@paytrace/trace-analysis';
import { applyPreset, SCENARIOS, clearFaults, writeFaults, type FaultScenario, type FaultValue } from '@paytrace/faults';
import { driveLoad } from '@paytrace/lab/load';

/**
 * The bottleneck detective, played against the real stack: for every fault scenario, switch it on
 * while the stack runs, drive concurrent load, and check that the aggregate verdict (critical
 * path over every sampled trace, read back from Jaeger) names the injected cause's service and
 * operation; then switch it off and check that the verdict no longer does.
 */

/** A switch must apply within 2 s (the issue's bound); the tests wait this long after one. */
const APPLIED_WITHIN_MS = 2_000;

/** The lesson's Gantt chart (`../shared/seed/lesson.txt`), in ms from the start of the request. */
const LESSON_CHART = { auth: [10, 50], balance: [60, 150], stripe: [160, 480], log: [485, 495] } as const;
type LessonBar = keyof typeof LESSON_CHART;
const LESSON_BARS = Object.keys(LESSON_CHART) as LessonBar[];
const LESSON_PAYMENTS = 5;

/** Where a payment's trace draws the lesson's four bars: [start, end] in ms from its root's start. */
function lessonBars(spans: TraceSpan[]): Record<LessonBar, [number, number]> {
  const root = spans.find((s) => !s.parentSpanId)!;
  const at = (span: TraceSpan | undefined, what: string): [number, number] => {
    assert.ok(span, `the trace has ${what}`);
    return [(span.startTime - root.startTime) / 1000, (span.startTime + span.duration - root.startTime) / 1000];
  };
  const server = (service: string, name: string) => spans.find((s) => s.service === service && s.kind === 'server' && s.name === name);
  return {
    auth: at(server('auth', 'POST /v1/keys/verify'), "auth's SERVER span"),
    balance: at(server('balance', 'POST /v1/holds'), "balance's hold"),
    stripe: at(
      spans.find((s) => s.service === 'payments' && s.kind === 'client' && String(s.tags['url.full'] ?? '').endsWith('/v1/charges')),
      "payments' call to Stripe",
    ),
    log: at(
      spans.find(
        (s) => s.service === 'payments' && String(s.tags['db.query.text'] ?? '').startsWith(`UPDATE payments.transactions SET status = 'succeeded'`),
      ),
      'the transaction logged',
    ),
  };
}

describe('the bottleneck detective finds every injected fault', () => {
  let faults: FaultStack;
  let flagFile: string;
  let stack: TestStack;
  const jaeger = new JaegerClient(jaegerUrl);

  before(async () => {
    await resetData(databaseUrl);
    faults = await startFaultStack({ name: 'detective' });
    ({ flagFile, stack } = faults);
  });
  after(async () => {
    await faults?.stop();
  });

  const names = (v: Verdict, s: FaultScenario) =>
    v.culprit !== undefined &&
    v.culprit.kind === s.culprit.kind &&
    v.culprit.service === s.culprit.service &&
    s.culprit.operation.test(v.culprit.operation);
  const explain = (v: Verdict) =>
    `${v.sentence}\n  top: ${v.operations
      .slice(0, 4)
      .map((o) => `${o.service} ${o.operation} ${(o.mean * 100).toFixed(0)}%`)
      .join(', ')}`;

  for (const scenario of SCENARIOS) {
    test(`${scenario.flag}: the verdict names ${scenario.culprit.service} ${scenario.culprit.operation.source} while it is on, and not after`, async (t) => {
      const scene: Record<string, FaultValue> = { ...scenario.scene };
      writeFaults(flagFile, { ...scene, [scenario.flag]: scenario.onValue }, { othersOff: true });
      await sleep(APPLIED_WITHIN_MS);
      const on = await faults.judge(scenario);
      assert.ok(names(on.verdict, scenario), `with ${scenario.flag} on, the verdict should name it:\n${explain(on.verdict)}`);
      t.diagnostic(`on: ${explain(on.verdict)}`);

      writeFaults(flagFile, scene, { othersOff: true });
      await sleep(APPLIED_WITHIN_MS);
      const off = await faults.judge(scenario);
      assert.ok(!names(off.verdict, scenario), `with ${scenario.flag} off, the verdict should move on:\n${explain(off.verdict)}`);
      t.diagnostic(`off: ${explain(off.verdict)}`);
      if (scenario.culprit.kind !== 'errors') {
        assert.equal(off.verdict.failed, 0, 'a healthy stack answers every request');
      }
    });
  }

  test('a fault switched on mid-load applies within 2 s, in the proxies and in the services, and the verdict follows', async () => {
    clearFaults(flagFile);
    await sleep(APPLIED_WITHIN_MS);
    let switchedAt = 0;
    const timer = setTimeout(() => {
      switchedAt = Date.now();
      writeFaults(flagFile, { 'stripe-latency': 300, 'auth-unindexed-key-lookup': true });
    }, 3_000);
    const requests = await driveLoad({
      gatewayUrl: stack.gateway,
      route: '/process-payment',
      apiKeys: SCENARIOS[0]!.load.apiKeys,
      concurrency: 4,
      durationMs: 9_000,
    });
    clearTimeout(timer);
    assert.ok(switchedAt > 0, 'the switch happened during the load');

    // The proxies (Stripe's latency): every payment sent 2 s after the switch waited for it.
    const settled = requests.filter((r) => r.sentAt >= switchedAt + APPLIED_WITHIN_MS);
    const before = requests.filter((r) => r.sentAt + r.ms < switchedAt);
    assert.ok(settled.length >= 8 && before.length >= 8, `${before.length} requests before, ${settled.length} after`);
    assert.deepEqual(
      settled.filter((r) => r.ms < 300).map((r) => `${r.ms.toFixed(0)} ms, sent ${r.sentAt - switchedAt} ms after the switch`),
      [],
    );
    assert.ok(
      before.every((r) => r.ms < 300),
      'no payment was slow before',
    );

    // The services (OpenFeature in auth): the flag evaluation each trace records says when it applied.
    const traces = await collectTraces(
      jaeger,
      { traceIds: requests.flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : [])) },
      { settleMs: 1_500 },
    );
    const evaluations = traces.map((spans) => {
      const event = spans.flatMap((s) => s.logs).find((l) => l['feature_flag.key'] === 'auth-unindexed-key-lookup');
      assert.ok(event, 'every trace records the flag evaluation on its span (event feature_flag.evaluation)');
      assert.equal(event.event, 'feature_flag.evaluation');
      return { startedAt: Math.min(...spans.map((s) => s.startTime)) / 1000, on: event['feature_flag.result.value'] === true };
    });
    const lateOff = evaluations.filter((e) => !e.on && e.startedAt >= switchedAt + APPLIED_WITHIN_MS);
    const earlyOn = evaluations.filter((e) => e.on && e.startedAt < switchedAt);
    assert.equal(lateOff.length, 0, `${lateOff.length} traces still had the flag off 2 s after the switch`);
    assert.equal(earlyOn.length, 0, 'no trace had it on before the switch');

    // The detective: over the first 5 s after the switch, the verdict already names Stripe's call.
    const window = new Set(
      requests.filter((r) => r.sentAt >= switchedAt && r.sentAt < switchedAt + 5_000).flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : [])),
    );
    const v = verdict(traces.filter((spans) => window.has(spans[0]!.traceId)).map(analyzeTrace));
    assert.equal(v.culprit?.service, 'payments', explain(v));
    assert.equal(v.culprit?.operation, 'POST', explain(v));
    clearFaults(flagFile);
  });

  test("the lesson preset draws the lesson's chart: auth ≈ 10–50 ms, balance ≈ 60–150, Stripe ≈ 160–480, the log ≈ 485–495", async (t) => {
    applyPreset(flagFile, 'lesson');
    await sleep(APPLIED_WITHIN_MS);
    // One payment is at the mercy of the machine (a late timer, a GC pause, a busy core moves a bar
    // by tens of ms), so the chart compared is the median of several, after one to warm up.
    const traceIds: string[] = [];
    for (let i = 0; i < 1 + LESSON_PAYMENTS; i++) {
      const res = await stack.pay({ amount: 100, currency: 'usd' });
      assert.equal(res.status, 201);
      if (i > 0) traceIds.push(res.body.trace_id);
    }
    clearFaults(flagFile);
    const traces = await collectTraces(jaeger, { traceIds }, { settleMs: 1_500 });
    assert.equal(traces.length, LESSON_PAYMENTS);
    const charts = traces.map(lessonBars);
    const bars = Object.fromEntries(
      LESSON_BARS.map((bar) => [bar, [median(charts.map((c) => c[bar][0])), median(charts.map((c) => c[bar][1]))]]),
    ) as Record<LessonBar, [number, number]>;
    const drawn = (bar: LessonBar) => `${bar} ${bars[bar][0].toFixed(0)}–${bars[bar][1].toFixed(0)} ms`;
    t.diagnostic(`median of ${LESSON_PAYMENTS} payments: ${LESSON_BARS.map(drawn).join(', ')}`);
    LESSON_BARS.forEach((bar, i) => {
      const [from, to] = LESSON_CHART[bar];
      const [start, end] = bars[bar];
      // The same picture: each bar as long as the lesson's (within 15%, 10 ms for the short ones)
      // and where the lesson draws it (within a tenth of its 500 ms chart), in the lesson's order.
      const lengthOff = Math.abs(end - start - (to - from));
      assert.ok(lengthOff <= Math.max(10, 0.15 * (to - from)), `${drawn(bar)} is not as long as the lesson's ${from}–${to}`);
      assert.ok(Math.abs(start - from) <= 50 && Math.abs(end - to) <= 50, `${drawn(bar)} is not where the lesson's ${from}–${to} is`);
      const previous = LESSON_BARS[i - 1];
      if (previous) assert.ok(start >= bars[previous][1], `${drawn(bar)} starts before ${drawn(previous)} ends`);
    });
    const spans = traces[0]!;
    // The chart a learner pastes into Markdown: a gantt block with the critical path marked.
    const chart = toMermaidGantt(spans);
    assert.match(chart, /^gantt\n/);
    for (const service of ['gateway', 'auth', 'balance', 'payments']) assert.match(chart, new RegExp(`^section ${service}$`, 'm'));
    assert.match(chart, /:crit, /);
  });
});
