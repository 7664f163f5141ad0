import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { JaegerClient } from '@paytrace/trace-analysis';
import { REPO_FLAG_FILE, clearFaults, LOAD_API_KEYS, writeFaults } from '@paytrace/faults';
import { PrometheusClient } from '@paytrace/metrics-analysis';
import {
  ROOT,
  freePort,
  freeStackPorts,
  startFaultProxies,
  startTelemetryPipeline,
  startUi,
  type FaultProxies,
  type RunningUi,
  type TelemetryPipeline,
} from '@paytrace/devstack';
import { driveLoad } from '@paytrace/lab/load';
import { launchChromium } from '@paytrace/devstack/browser';
import { databaseUrl, stripePort } from './support/env.js';
import { resetData } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * The service map in a real browser (Debian's Chromium through playwright-core) against the real
 * stack: payments through Stripe's fault proxy (one of them failed by the stripe-error-rate switch
 * in a private copy of the flag file), a Collector, Jaeger and Prometheus of this file's own (so the
 * map holds only these requests).
 */

/** Where the map's screenshot goes (as test/ui-browser.test.ts's). */
const SCREENSHOT_DIR = process.env.PAYTRACE_SCREENSHOT_DIR ?? join(ROOT, '.data', 'screenshots');
/** Fewer than a page (25) with the first and the failed one, so every trace is read and the traces' rate is exact. */
const PAYMENTS = 20;

describe('the service map (/map), in Chromium', () => {
  let workDir: string;
  let flagFile: string;
  let pipeline: TelemetryPipeline;
  let proxies: FaultProxies;
  let stack: TestStack;
  let ui: RunningUi;
  let browser: Browser;
  /** Stripe as payments reaches it: the proxy's host:port, the map's name for that node. */
  let stripe: string;

  before(async () => {
    await resetData(databaseUrl);
    workDir = mkdtempSync(join(tmpdir(), 'paytrace-map-'));
    flagFile = join(workDir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
    clearFaults(flagFile);
    pipeline = await startTelemetryPipeline({
      ports: await freeStackPorts(),
      onLine: (name, line) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`),
    });
    proxies = await startFaultProxies({ flagFile, stripeMockPort: stripePort, databaseUrl });
    stripe = new URL(proxies.stripeApiBase).host;
    stack = await startTestStack({
      databaseUrl,
      stripeApiBase: proxies.stripeApiBase,
      env: { FLAGD_RESOLVER: 'in-process', FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile, OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint },
    });
    ui = await startUi({
      port: await freePort(),
      jaegerUrl: pipeline.jaegerUrl,
      prometheusUrl: pipeline.prometheusUrl,
      flagFile,
      settleMs: 1_500,
      env: { LOG_LEVEL: 'warn' },
    });
    browser = await launchChromium();

    // A first payment, exported, before the rest: a counter's first export is where rate() starts
    // counting, so the metrics' rate then counts every payment after it.
    const prometheus = new PrometheusClient(pipeline.prometheusUrl);
    const gatewayCalls = () => prometheus.scalar(`sum(http_client_request_duration_seconds_count{service_name="gateway"})`);
    const first = await stack.pay({ amount: 2500, currency: 'usd' });
    assert.equal(first.status, 201);
    for (let tries = 0; (await gatewayCalls()) === undefined; tries++) {
      assert.ok(tries < 40, 'Prometheus has none of the first payment’s client calls after 20 s');
      await sleep(500);
    }
    const sent = await driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: 2, total: PAYMENTS });
    assert.ok(
      sent.every((r) => r.status === 201),
      `statuses: ${sent.map((r) => r.status).join(', ')}`,
    );
    // One payment Stripe fails (the proxy answers 500 to every charge while the switch is on).
    writeFaults(flagFile, { 'stripe-error-rate': 1 });
    await sleep(1_000);
    const failed = await stack.pay({ amount: 2500, currency: 'usd' });
    clearFaults(flagFile);
    assert.ok(failed.status >= 500, `Stripe failing every charge: ${failed.status}`);
    // Every payment's trace whole in Jaeger before the map reads it: the four services export in
    // their own batches, so the last trace in is not proof the others are (CI once counted 21 of 22).
    const jaeger = new JaegerClient(pipeline.jaegerUrl);
    const traceIdOf = (res: { headers: Headers }) => res.headers.get('traceresponse')?.split('-')[1];
    const traceIds = [traceIdOf(first), ...sent.map((r) => r.traceId), traceIdOf(failed)];
    assert.ok(traceIds.every(Boolean), 'every answer named its trace');
    await Promise.all(traceIds.map((id) => jaeger.waitForTrace(id!, { minSpans: 10 })));
    // The client metrics (exported every second) are in Prometheus.
    for (let tries = 0; ; tries++) {
      const calls = await gatewayCalls();
      if (calls !== undefined && calls >= (PAYMENTS + 2) * 3) break;
      assert.ok(tries < 40, `Prometheus has ${calls} of the gateway's client calls after 20 s`);
      await sleep(500);
    }
    // The settle time the UI leaves for the newest traces.
    await sleep(1_500);
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await stack?.stop();
    await proxies?.close();
    await pipeline?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('the map shows client → gateway → auth, balance, payments → postgres and Stripe with rates; a click on an edge or a node opens its search', async (t) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const res = await page.goto(`${ui.url}/map?window=5m`);
    assert.equal(res?.status(), 200);
    const edges = await page.$$eval('#service-map a.edge', (links) =>
      links.map((a) => ({
        edge: `${a.getAttribute('data-from')} → ${a.getAttribute('data-to')}`,
        perSecond: Number(a.getAttribute('data-per-second')),
        errorRate: Number(a.getAttribute('data-error-rate')),
        label: Array.from(a.querySelectorAll('text'), (x) => x.textContent).join(' '),
      })),
    );
    t.diagnostic(edges.map((e) => `${e.edge}: ${e.label}`).join('; '));
    const edge = (name: string) => {
      const found = edges.find((e) => e.edge === name);
      assert.ok(found, `${name} among ${edges.map((e) => e.edge).join(', ')}`);
      return found;
    };
    for (const name of [
      'client → gateway',
      'gateway → auth',
      'gateway → balance',
      'gateway → payments',
      'auth → postgres',
      'balance → postgres',
      'payments → postgres',
      `payments → ${stripe}`,
    ]) {
      assert.ok(edge(name).perSecond > 0, `${name} has a rate`);
      assert.match(edge(name).label, /\/s · \d+(\.\d)?% err p95 \d/);
    }
    assert.ok(edge(`payments → ${stripe}`).errorRate > 0, 'the charge Stripe failed is an error on its edge');
    assert.ok(edge('client → gateway').errorRate > 0, 'the failed payment is an error at the gateway');
    assert.equal(edge('gateway → auth').errorRate, 0);
    // Every payment (the first and the failed one too) called auth once: all read, so all counted.
    assert.ok(Math.abs(edge('gateway → auth').perSecond * 300 - (PAYMENTS + 2)) < 0.05, `${edge('gateway → auth').perSecond}/s`);
    // The stack samples every trace, and says so in each span's tracestate (ot=th:0), which Jaeger shows.
    assert.match(await page.locator('#map-cost').innerText(), /their sampling probability \(ot=th in their tracestate: 100%\)/);
    // The metrics' rate beside the traces': the SDKs' client histograms name the gateway's calls to
    // auth. They count from the first payment's export, so at least the 21 calls after it; and calls
    // no trace holds too (a call outside any request gets no span but is measured): a floor only.
    const metricsCell = page.locator('#map-edges tr[data-from="gateway"][data-to="auth"] td.metrics');
    const metricsRate = Number(await metricsCell.getAttribute('data-per-second'));
    t.diagnostic(`gateway → auth: ${metricsRate}/s in the metrics, ${edge('gateway → auth').perSecond}/s in the traces`);
    assert.ok(metricsRate >= ((PAYMENTS + 1) / 300) * 0.9, `the metrics' ${metricsRate}/s against ${PAYMENTS + 1} calls in 300 s`);

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, 'service-map.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 20_000, 'the screenshot has content');

    // An edge: the gateway's calls to auth, by auth's address.
    const authPort = new URL(stack.urls.auth).port;
    await page.locator('#service-map a.edge[data-from="gateway"][data-to="auth"] text').first().click();
    await page.waitForURL(/\/search\?/);
    const search = new URL(page.url()).searchParams;
    assert.equal(search.get('service'), 'gateway');
    assert.deepEqual(search.get('tags')!.split('\n').sort(), ['server.address=127.0.0.1', `server.port=${authPort}`]);
    assert.equal(search.get('lookback'), '5m');
    // A node: its own spans.
    await page.goBack();
    await page.locator('#service-map a.node[data-node="balance"] rect').click();
    await page.waitForURL(/\/search\?/);
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { service: 'balance', lookback: '5m' });
    await page.close();
  });
});
