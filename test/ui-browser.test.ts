import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { JaegerClient } from '@paytrace/trace-analysis';
import { REPO_FLAG_FILE, clearFaults, currentFaults, LOAD_API_KEYS, writeFaults } from '@paytrace/faults';
import {
  ROOT,
  freePort,
  freeStackPorts,
  startFaultProxies,
  startTelemetryPipeline,
  type FaultProxies,
  type TelemetryPipeline,
  startUi,
  type RunningUi,
} from '@paytrace/devstack';
import { driveLoad } from '@paytrace/lab/load';
import { launchChromium } from '@paytrace/devstack/browser';
import { databaseUrl, stripePort } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { checkTraceFileRoundTrip } from './support/trace-file-browser.js';

/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against the real stack:
 * Postgres, stripe-mock behind the fault proxies, the four services reading a private copy of the
 * flag file, and a Collector and Jaeger of this file's own (so the last minute's verdict sees only
 * these requests).
 */

/** Where the trace page's screenshot goes; the README shows a copy (docs/images/trace-page.png). */
const SCREENSHOT_DIR = process.env.PAYTRACE_SCREENSHOT_DIR ?? join(ROOT, '.data', 'screenshots');

describe('the web UI, in Chromium', () => {
  let workDir: string;
  let flagFile: string;
  let pipeline: TelemetryPipeline;
  let proxies: FaultProxies;
  let stack: TestStack;
  let ui: RunningUi;
  let browser: Browser;
  let jaeger: JaegerClient;

  before(async () => {
    await resetData(databaseUrl);
    workDir = mkdtempSync(join(tmpdir(), 'paytrace-ui-'));
    flagFile = join(workDir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
    clearFaults(flagFile);
    pipeline = await startTelemetryPipeline({
      ports: await freeStackPorts(),
      onLine: (name, line) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`),
    });
    jaeger = new JaegerClient(pipeline.jaegerUrl);
    proxies = await startFaultProxies({ flagFile, stripeMockPort: stripePort, databaseUrl });
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase: proxies.stripeApiBase,
      env: { FLAGD_RESOLVER: 'in-process', FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile, OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint },
      envFor: {
        auth: { DATABASE_URL: proxies.databaseUrls.auth },
        balance: { DATABASE_URL: proxies.databaseUrls.balance },
        payments: { DATABASE_URL: proxies.databaseUrls.payments },
      },
    });
    // The services export every 100 ms here (support/stack.ts), so a trace is whole within ~1.5 s.
    ui = await startUi({
      port: await freePort(),
      jaegerUrl: pipeline.jaegerUrl,
      prometheusUrl: pipeline.prometheusUrl,
      flagFile,
      settleMs: 1_500,
      env: { LOG_LEVEL: 'warn' },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await stack?.stop();
    await proxies?.close();
    await pipeline?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** One payment; its trace id once Jaeger has all of it. */
  async function payAndWaitForTrace(): Promise<string> {
    const res = await stack.pay({ amount: 2500, currency: 'usd' }, { idempotencyKey: `ui-${Date.now()}-${Math.random()}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const traceId = res.headers.get('traceresponse')!.split('-')[1]!;
    assert.equal(traceId, res.body.trace_id);
    await jaeger.waitForTrace(traceId, { minSpans: 30 });
    return traceId;
  }

  async function openTrace(page: Page, traceId: string) {
    const res = await page.goto(`${ui.url}/trace/${traceId}`);
    assert.equal(res?.status(), 200);
    return page.$$eval('svg.gantt g.row', (rows) =>
      rows.map((g) => ({
        spanId: g.getAttribute('data-span-id')!,
        service: g.getAttribute('data-service')!,
        kind: g.getAttribute('data-kind')!,
        label: g.querySelector('text.label')!.textContent!,
        onPath: g.classList.contains('on-path'),
        barX: Number(g.querySelector('rect.bar')!.getAttribute('x')),
        barWidth: g.querySelector('rect.bar')!.getBoundingClientRect().width,
        critWidth: Array.from(g.querySelectorAll('rect.crit')).reduce((sum, r) => sum + r.getBoundingClientRect().width, 0),
      })),
    );
  }

  test('a payment opens at /trace/<id>: every hop drawn, in order, on the critical path; a click shows a span', async () => {
    const traceId = await payAndWaitForTrace();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const rows = await openTrace(page, traceId);
    const hops = rows.filter((r) => r.kind === 'server');
    assert.deepEqual(
      hops.map((r) => `${r.service} ${r.label}`),
      [
        'gateway POST /process-payment',
        'auth POST /v1/keys/verify',
        'balance POST /v1/holds',
        'payments POST /v1/charges',
        'balance POST /v1/holds/:hold_key/capture',
      ],
    );
    const calls = rows.filter((r) => r.kind === 'client' && r.label.startsWith('→'));
    assert.deepEqual(
      calls.map((r) => `${r.service} ${r.label.replace(/127\.0\.0\.1:\d+/, 'stripe')}`),
      [
        'gateway → auth /v1/keys/verify',
        'gateway → balance /v1/holds',
        'gateway → payments /v1/charges',
        'payments → stripe/v1/charges',
        'gateway → balance /v1/holds/:hold_key/capture',
      ],
    );
    for (const r of [...hops, ...calls]) {
      assert.ok(r.barWidth > 0, `${r.label} is drawn`);
      assert.ok(r.onPath, `${r.label} is marked on the critical path`);
    }
    // In order on the time axis too: each step starts after the one before it.
    const steps = calls.filter((r) => r.service === 'gateway').map((r) => r.barX);
    assert.deepEqual(
      steps,
      [...steps].sort((a, b) => a - b),
    );
    // The red segments cover the whole request, end to end (to a pixel per segment).
    const root = rows[0]!;
    const critTotal = rows.reduce((sum, r) => sum + r.critWidth, 0);
    assert.ok(Math.abs(critTotal - root.barWidth) <= rows.length, `critical path ${critTotal} px of the root's ${root.barWidth} px`);

    // A click on the Stripe call's bar opens its attributes below.
    const stripeCall = calls.find((r) => r.service === 'payments')!;
    await page.click(`g.row[data-span-id="${stripeCall.spanId}"] rect.bar`);
    const details = page.locator(`details#span-${stripeCall.spanId}`);
    await details.locator('table.attrs').waitFor({ state: 'visible' });
    assert.equal(await details.getAttribute('open'), '');
    assert.match(await details.locator('table.attrs').innerText(), /url\.full\s+http:\/\/127\.0\.0\.1:\d+\/v1\/charges/);
    assert.match(await page.locator('#verdict').innerText(), /Critical path by service/);
    assert.match(await page.locator('#mermaid').innerText(), /^gantt\ntitle Request trace for POST \/process-payment/);
    // Nothing secret was recorded, so nothing secret is shown.
    const text = await page.content();
    for (const secret of ['test_key_alice', 'Bearer ', 'tok_visa']) assert.ok(!text.includes(secret), `the page shows ${secret}`);
    await page.close();
  });

  test('a fault switched on /faults moves the last minute’s verdict on / to it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: 1, durationMs: 2_000 });
    const culprit = async () => {
      await page.goto(`${ui.url}/`);
      const verdict = page.locator('#verdict');
      return { service: await verdict.getAttribute('data-culprit-service'), sentence: await verdict.locator('.sentence').innerText() };
    };
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the settle time, and some
    const before = await culprit();
    assert.match(before.sentence, /^No bottleneck stands out/);
    assert.equal(before.service, '');

    await page.goto(`${ui.url}/faults`);
    const row = page.locator('tr[data-flag="stripe-latency"]');
    await row.locator('input[name="value"]').fill('300');
    await row.locator('button[data-flag="stripe-latency"]').click();
    await page.waitForURL(`${ui.url}/faults`);
    assert.match(await page.locator('#faults-on').innerText(), /stripe-latency=300/);
    assert.equal(currentFaults(flagFile).get('stripe-latency'), 300);

    await new Promise((resolve) => setTimeout(resolve, 1_000)); // applied within a second
    await driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: 4, durationMs: 6_000 });
    let after = await culprit();
    for (let tries = 0; tries < 10 && after.service !== 'payments'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      after = await culprit();
    }
    assert.equal(after.service, 'payments', after.sentence);
    assert.match(after.sentence, /payments' call to 127\.0\.0\.1:\d+\/v1\/charges \(an outside API\)/);

    await page.goto(`${ui.url}/faults`);
    await page.getByRole('button', { name: 'Every fault off' }).click();
    await page.waitForURL(`${ui.url}/faults`);
    assert.equal(await page.locator('#faults-on').innerText(), 'none');
    await page.close();
  });

  test('the list on / filters by outcome and minimum duration (a failed payment among many found by Jaeger)', async () => {
    writeFaults(flagFile, { 'stripe-error-rate': 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const failed = await stack.pay({ amount: 2500, currency: 'usd' });
    clearFaults(flagFile);
    assert.ok(failed.status >= 500, `Stripe failing every charge: ${failed.status}`);
    const failedId = failed.headers.get('traceresponse')!.split('-')[1]!;
    await jaeger.waitForTrace(failedId, { minSpans: 10 });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/`);
    await page.selectOption('select[name="outcome"]', 'failed');
    await page.click('form.filter button[type="submit"]');
    await page.waitForURL(/outcome=failed/);
    const listed = () =>
      page.$$eval('table.traces tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-trace-id'), r.getAttribute('data-outcome')]));
    const failedRows = await listed();
    assert.ok(
      failedRows.some(([id]) => id === failedId),
      'the failed payment is listed',
    );
    assert.ok(failedRows.every(([, outcome]) => outcome === 'failed'));
    // The earlier test's payments waited 300 ms for Stripe; at least 250 ms lists only those.
    await page.goto(`${ui.url}/?outcome=succeeded&min_ms=250`);
    const slow = await page.$$eval('table.traces tbody tr td:nth-child(2)', (cells) => cells.map((c) => parseFloat(c.textContent!)));
    assert.ok(slow.length > 0 && slow.every((ms) => ms >= 250), `durations listed: ${slow.join(', ')}`);
    await page.close();
  });

  test('a trace as a file: downloaded as OTLP JSON and Jaeger JSON, each opens with no Jaeger as the same Gantt', async () => {
    const traceId = await payAndWaitForTrace();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await checkTraceFileRoundTrip({ browser, uiUrl: ui.url, traceId, dir: workDir, screenshotDir: SCREENSHOT_DIR });
  });

  test('the trace page under the lesson preset, as the screenshot the README shows', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/faults`);
    await page.getByRole('button', { name: 'Preset: lesson' }).click();
    await page.waitForURL(`${ui.url}/faults`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const traceId = await payAndWaitForTrace();
    clearFaults(flagFile);
    await openTrace(page, traceId);
    assert.match(await page.locator('#verdict').innerText(), /payments' call to 127\.0\.0\.1:\d+\/v1\/charges/);
    // From the top of the page to the end of the chart: the trace, its verdict and its Gantt.
    const chart = (await page.locator('div.chart').boundingBox())!;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, 'trace-page.png');
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(chart.y + chart.height + 16) } });
    assert.ok(statSync(file).size > 20_000, 'the screenshot has content');
    await page.close();
  });
});
