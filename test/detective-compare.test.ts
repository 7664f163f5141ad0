/**
 * The detective off its script, on the real stack (fault proxies as in detective.test.ts): a slow
 * payment against a typical one puts Stripe's call at the top under `stripe-latency`; and a service
 * paused a third of the time (SIGSTOP/SIGCONT) is named from the spans alone, by the time its
 * requests wait before it starts them. In Chromium (the web UI on the same Jaeger): the compare
 * page shows the same, and the trace page ranks each span among the route's recent ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { databaseUrl, jaegerUrl, prometheusUrl } from './support/env.js';
import { resetData } from './support/db.js';
import type { TestStack } from './support/stack.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { JaegerClient, analyzeTrace, collectTraces, compareTraces, typicalTrace, verdict, formatMs, type TraceSpan } from '@paytrace/trace-analysis';
import { clearFaults, writeFaults, LOAD_API_KEYS } from '@paytrace/faults';
import { driveLoad, type LoadRequest } from '@paytrace/lab/load';
import { freePort, pauseCycle, startUi, type RunningUi } from '@paytrace/devstack';
import { launchChromium } from '@paytrace/devstack/browser';

/** A switch applies within 2 s (detective.test.ts checks it). */
const APPLIED_WITHIN_MS = 2_000;
const PAUSED = 'auth';

describe('the detective compares traces and names a stalled service', () => {
  let faults: FaultStack;
  let flagFile: string;
  let stack: TestStack;
  const jaeger = new JaegerClient(jaegerUrl);
  /** The healthy phase's traces: the typical payments, and the control for the stall. */
  let healthy: TraceSpan[][] = [];
  /** The slowest payment Stripe answered late. */
  let slowTraceId = '';
  /** How many payments ran while Stripe was slow: their calls rank as high as the slowest payment's. */
  let slowedPayments = 0;
  let ui: RunningUi;
  let browser: Browser;

  before(async () => {
    await resetData(databaseUrl);
    faults = await startFaultStack({ name: 'compare' });
    ({ flagFile, stack } = faults);
    ui = await startUi({ port: await freePort(), jaegerUrl, prometheusUrl, flagFile, settleMs: 1_500, env: { LOG_LEVEL: 'warn' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    // Never leave a service stopped, whatever failed.
    stack?.processes.get(PAUSED)?.signal('SIGCONT');
    await faults?.stop();
  });

  const payments = (options: { concurrency: number; durationMs: number; ratePerSecond?: number }) =>
    driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, ...options });
  const tracesOf = async (requests: LoadRequest[], last = 150) => {
    const traceIds = requests.flatMap((r) => (r.sampled && r.traceId && r.status < 500 ? [r.traceId] : [])).slice(-last);
    assert.ok(traceIds.length >= 10, `only ${traceIds.length} sampled payments`);
    return collectTraces(jaeger, { traceIds }, { settleMs: 1_500 });
  };

  test('stripe-latency on for some payments: the slowest against a typical one puts Stripe’s call at the top', async (t) => {
    // Most of the window healthy, then Stripe 300 ms slower for a few payments: the median stays a healthy one.
    healthy = await tracesOf(await payments({ concurrency: 4, durationMs: 4_000 }));
    writeFaults(flagFile, { 'stripe-latency': 300 }, { othersOff: true });
    await sleep(APPLIED_WITHIN_MS);
    const slowRequests = await payments({ concurrency: 2, durationMs: 2_000 });
    clearFaults(flagFile);
    slowedPayments = slowRequests.length;
    const slowTraces = await tracesOf(slowRequests, 20);

    // The slow trace: the slowest payment Stripe answered late (on a busy machine a healthy payment can be slow for other reasons).
    const slowest = slowTraces.map(analyzeTrace).reduce((a, b) => (b.duration > a.duration ? b : a));
    const window = [...healthy, ...slowTraces].map(analyzeTrace);
    slowTraceId = slowest.traceId;
    const typical = typicalTrace(window, slowest.traceId)!;
    const spansOf = (id: string) => [...healthy, ...slowTraces].find((s) => s[0]!.traceId === id)!;
    const comparison = compareTraces(spansOf(slowest.traceId), spansOf(typical.traceId));
    const table = comparison.differences
      .slice(0, 5)
      .map((d) => `${d.label} #${d.occurrence}: ${formatMs(d.slowUs)} vs ${formatMs(d.typicalUs)} (${formatMs(d.extraUs)})`)
      .join('\n  ');
    t.diagnostic(
      `${window.length} traces; slowest ${formatMs(slowest.duration)} against typical ${formatMs(typical.duration)} (+${formatMs(comparison.extraUs)}):\n  ${table}`,
    );

    const top = comparison.differences[0]!;
    assert.equal(top.service, 'payments', table);
    assert.equal(top.category, 'outside', table);
    assert.match(top.target ?? '', /\/v1\/charges$/, table);
    assert.ok(top.extraUs >= 250_000, `Stripe's call added ${formatMs(top.extraUs)}, not ~300 ms:\n  ${table}`);
    assert.ok(
      top.extraUs >= comparison.extraUs / 2,
      `most of the extra time is Stripe's: ${formatMs(top.extraUs)} of ${formatMs(comparison.extraUs)}`,
    );
    const added = comparison.differences.reduce((a, d) => a + d.extraUs, 0);
    assert.equal(added, comparison.extraUs, 'the differences add up to the difference in duration');
  });

  test("in Chromium: the slow payment's compare page puts Stripe's call first and hatches it; its trace page ranks the call near the top", async (t) => {
    assert.ok(slowTraceId, 'the stripe-latency case ran first');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/trace/${slowTraceId}`);
    await page.click('#compare-link');
    await page.waitForURL(`${ui.url}/trace/${slowTraceId}/compare`);
    // No ?with: the typical trace is the route's, from the 5 minutes before (this file's healthy payments, mostly).
    const first = page.locator('#differences tbody tr').first();
    assert.equal(await first.getAttribute('data-service'), 'payments');
    assert.equal(await first.getAttribute('data-category'), 'outside');
    const cells = await first.locator('td').allInnerTexts();
    assert.match(cells[0]!, /payments POST → 127\.0\.0\.1:\d+\/v1\/charges/);
    const extraMs = Number(/^\+([\d.]+) ms$/.exec(cells[3]!)?.[1]);
    assert.ok(extraMs >= 250, `Stripe's call ${cells[3]} longer than in the typical trace`);
    // The Gantt hatches that span's extra time, about as wide as it is on the chart's scale.
    const stripeSpan = (await first.getAttribute('data-span-id'))!;
    const mark = page.locator(`svg.gantt g.row[data-span-id="${stripeSpan}"] rect.extra`);
    assert.ok((await mark.boundingBox())!.width > 50, 'a visible hatch over the extra time');
    assert.match((await page.locator(`svg.gantt g.row[data-span-id="${stripeSpan}"] text.extra-label`).textContent()) ?? '', /^\+[\d.]+ ms$/);

    // The trace page: Stripe's call ranks among the slowest of its kind over the route's recent payments.
    const asked = Date.now();
    await page.click('#slow-link');
    await page.waitForURL(`${ui.url}/trace/${slowTraceId}`);
    const shown = Date.now();
    // The ranks come after the page, from a search of the route's recent traces (trace.js).
    await page.locator('body[data-ranks="done"]').waitFor();
    t.diagnostic(`the trace page: ${shown - asked} ms to its load event, its ranks ${Date.now() - shown} ms later`);
    const rank = await page.locator(`details#span-${stripeSpan} .rank`).innerText();
    const [, percentile, count] = /^p(\d+) of (\d+)$/.exec(rank) ?? [];
    assert.ok(Number(count) >= 50, `ranked among ${count} spans`);
    // Above every call Stripe answered on time. The other slowed payments' calls are in the reference
    // too, and this one (the slowest payment, not the slowest call) may rank anywhere among them:
    // CI saw p89 of 100 with 12 payments slowed.
    const onTime = Number(count) - (slowedPayments - 1);
    const floor = Math.floor((100 * onTime) / Number(count)); // the page floors the rank
    assert.ok(Number(percentile) >= Math.min(floor, 90), `Stripe's slowest call is ${rank}; ${slowedPayments} payments slowed`);
    await page.close();
  });

  test(`${PAUSED} stopped 100 ms of every 300 ms: the trace-only verdict names ${PAUSED} as slow to start its requests; the healthy window does not`, async (t) => {
    assert.ok(healthy.length >= 10, 'the healthy phase ran first');
    const control = verdict(healthy.map(analyzeTrace));
    const controlWait = control.calleeWaits.map((w) => `${w.service} ${(w.meanShare * 100).toFixed(1)}%`).join(', ');
    t.diagnostic(`healthy: waits ${controlWait}; ${control.sentence}`);
    assert.notEqual(control.culprit?.kind, 'stalled', control.sentence);

    await sleep(APPLIED_WITHIN_MS);
    const durationMs = 8_000;
    const [requests, cycle] = await Promise.all([
      payments({ concurrency: 8, ratePerSecond: 20, durationMs }),
      pauseCycle(stack.processes.get(PAUSED)!.pid, {
        everyMs: 300,
        forMs: 100,
        durationMs,
        send: (signal) => stack.processes.get(PAUSED)!.signal(signal),
      }),
    ]);
    const paused = verdict((await tracesOf(requests)).map(analyzeTrace));
    const waits = paused.calleeWaits.map((w) => `${w.service} ${(w.meanShare * 100).toFixed(1)}% (p95 ${formatMs(w.p95Us)})`).join(', ');
    t.diagnostic(`${cycle.pauses} pauses, ${cycle.stoppedMs} ms stopped; waits ${waits}; ${paused.sentence}`);
    assert.equal(paused.culprit?.kind, 'stalled', paused.sentence);
    assert.equal(paused.culprit?.service, PAUSED, paused.sentence);
    assert.match(paused.sentence, /^auth started its requests [\d.]+ ms after they were sent on average \(p95 [\d.]+ ms\)/);
    assert.match(paused.sentence, /not getting CPU or its listen queue is full/);
    assert.equal(paused.calleeWaits[0]?.service, PAUSED, waits);
  });
});
