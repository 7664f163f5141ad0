import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Browser, Page } from 'playwright-core';
import { JaegerClient, collectTraces, median, slowVsRest, traceDurationMs, type SlowVsRest, type TraceSpan } from '@paytrace/trace-analysis';
import { clearFaults, LOAD_API_KEYS, writeFaults } from '@paytrace/faults';
import { ROOT, freePort, freeStackPorts, startTelemetryPipeline, startUi, type RunningUi, type TelemetryPipeline } from '@paytrace/devstack';
import { launchChromium } from '@paytrace/devstack/browser';
import { driveLoad, sendRequest } from '@paytrace/lab/load';
import { databaseUrl } from './support/env.js';
import { resetData } from './support/db.js';
import type { TestStack } from './support/stack.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';

/**
 * Slow against the rest on the real stack, under the hot-account scenario: with
 * `balance-velocity-check-under-lock` on, the hot account's payments (`test_key_hot`) queue for its
 * balance row while the other load accounts' payments go through, all at once. The ranking of what
 * the slow traces share must put the hot account first: from the traces read back from Jaeger, from
 * `npm run detective -- --slow`, and on the UI's /slow page in Chromium (the heatmap, a brushed
 * range, a range in the URL). One stack, one Collector and Jaeger of this file's own, one load.
 */

/** Where the page's screenshot goes (as test/ui-browser.test.ts's). */
const SCREENSHOT_DIR = process.env.PAYTRACE_SCREENSHOT_DIR ?? join(ROOT, '.data', 'screenshots');
const HOT_ACCOUNT = 'acct_hot';
const ACCOUNT_KEY = 'gateway paytrace.account.id';
const LOAD_MS = 8_000;
const HOT_CLIENTS = 3;
const OTHER_CLIENTS = 2;

describe('slow against the rest: the hot account', () => {
  let faults: FaultStack;
  let flagFile: string;
  let pipeline: TelemetryPipeline;
  let stack: TestStack;
  let ui: RunningUi;
  let browser: Browser;
  let traces: TraceSpan[][];

  before(async () => {
    await resetData(databaseUrl);
    pipeline = await startTelemetryPipeline({
      ports: await freeStackPorts(),
      onLine: (name, line) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`),
    });
    faults = await startFaultStack({ name: 'slow', env: { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint } });
    ({ flagFile, stack } = faults);
    ui = await startUi({ port: await freePort(), jaegerUrl: pipeline.jaegerUrl, flagFile, settleMs: 1_500, env: { LOG_LEVEL: 'warn' } });
    browser = await launchChromium();

    writeFaults(flagFile, { 'balance-velocity-check-under-lock': true }, { othersOff: true });
    await sleep(2_000); // a switch applies within 2 s
    // Every account's first payment, and the processes' first seconds, are slower for reasons of
    // their own (cold caches and code): pay from each account, then a second of load, before the
    // load compared.
    for (const apiKey of [...LOAD_API_KEYS, 'test_key_hot']) {
      assert.equal((await sendRequest({ gatewayUrl: stack.gateway, apiKey })).status, 201);
    }
    await driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: 2, durationMs: 1_000 });
    // The hot account's payments and the others' at once: a contrast within one window. Few
    // clients, so the other accounts' payments are not slowed by a saturated CPU (2 cores); each
    // client keeps to one key, so "the others" are two load accounts.
    const [hot, others] = await Promise.all([
      driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: ['test_key_hot'], concurrency: HOT_CLIENTS, durationMs: LOAD_MS }),
      driveLoad({ gatewayUrl: stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, concurrency: OTHER_CLIENTS, durationMs: LOAD_MS }),
    ]);
    clearFaults(flagFile);
    const ids = [...hot, ...others].flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : []));
    assert.ok(
      hot.filter((r) => r.sampled).length >= 10 && others.filter((r) => r.sampled).length >= 40,
      `${hot.length} hot, ${others.length} others`,
    );
    traces = await collectTraces(new JaegerClient(pipeline.jaegerUrl), { traceIds: ids }, { settleMs: 1_500 });
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await faults?.stop();
    await pipeline?.stop();
  });

  const accountOf = (spans: TraceSpan[]) => spans.find((s) => s.tags['paytrace.account.id'] !== undefined)?.tags['paytrace.account.id'];
  const durations = (account: (a: unknown) => boolean) =>
    traces.filter((spans) => account(accountOf(spans))).flatMap((spans) => traceDurationMs(spans) ?? []);
  const explain = (r: SlowVsRest) =>
    r.rows
      .slice(0, 5)
      .map((row) => `${row.key} = ${row.value} ${row.slowCount}/${row.slowTotal} vs ${row.restCount}/${row.restTotal}`)
      .join('\n  ');

  test('above the p90, the traces read back from Jaeger rank the hot account first, clearly', (t) => {
    const hotMs = median(durations((a) => a === HOT_ACCOUNT));
    const otherMs = median(durations((a) => a !== HOT_ACCOUNT));
    t.diagnostic(`${traces.length} traces; median ${hotMs.toFixed(1)} ms for the hot account, ${otherMs.toFixed(1)} ms for the others`);
    assert.ok(hotMs > otherMs, 'the hot account is slower');
    const result = slowVsRest(traces);
    const top = result.rows[0]!;
    assert.equal(`${top.key} = ${top.value}`, `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`, explain(result));
    assert.ok(top.interval[0] > 0, `its interval [${top.interval.join(', ')}] excludes no difference`);
    assert.ok(!result.rows.some((r) => r.value.startsWith('test_key')), 'no API key among the values');
    t.diagnostic(`top 5:\n  ${explain(result)}`);
  });

  test('npm run detective -- --slow says the same, as a table and as JSON', async (t) => {
    const env = { JAEGER_URL: pipeline.jaegerUrl };
    const json = await execa('scripts/node', ['--import', 'tsx', 'scripts/detective.ts', '--since', '1m', '--slow', '--json', '--settle-ms', '0'], {
      cwd: ROOT,
      env,
    });
    const result = JSON.parse(json.stdout) as SlowVsRest;
    assert.equal(`${result.rows[0]!.key} = ${result.rows[0]!.value}`, `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`);
    assert.ok('aboveMs' in result.slow && result.slow.quantile === 0.9);
    const text = await execa(
      'scripts/node',
      ['--import', 'tsx', 'scripts/detective.ts', '--since', '1m', '--slow', '--settle-ms', '0', '--top', '5'],
      { cwd: ROOT, env },
    );
    t.diagnostic(text.stdout);
    const firstRow = text.stdout.split('\n').find((l) => l.startsWith('  '));
    assert.match(
      firstRow ?? '',
      new RegExp(`^  ${ACCOUNT_KEY} = ${HOT_ACCOUNT} +\\d+/\\d+ +\\d+% +\\d+/\\d+ +\\d+% +\\+\\d+ \\[\\+\\d+, \\+\\d+\\]$`),
      text.stdout,
    );
    assert.match(text.stdout, /^most telling: gateway paytrace\.account\.id = acct_hot: /m);
  });

  /** The /slow page's table: [key = value, slow count] per row, in order. */
  async function table(page: Page) {
    return page.$$eval('#slow-vs-rest table.contrast tbody tr', (rows) =>
      rows.map((tr) => ({ feature: `${tr.getAttribute('data-key')} = ${tr.getAttribute('data-value')}`, kind: tr.getAttribute('data-kind') })),
    );
  }

  test('the /slow page in Chromium: the heatmap draws the window, a brushed range and a range in the URL change the table', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const res = await page.goto(`${ui.url}/slow?since=1m`);
    assert.equal(res?.status(), 200);
    const cells = await page.$$eval('#latency-heatmap rect.cell', (rects) => rects.reduce((n, r) => n + Number(r.getAttribute('data-count')), 0));
    const [slow, rest] = await page.$eval('#slow-vs-rest', (s) => [Number(s.getAttribute('data-slow')), Number(s.getAttribute('data-rest'))]);
    assert.equal(cells, slow + rest, 'every trace compared is a count in the heatmap');
    assert.ok(slow + rest >= 50, `${slow + rest} traces on the page`);
    assert.equal((await table(page))[0]?.feature, `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`, 'above the p90 the hot account leads');

    // Brush the quick band, where the other accounts' payments lie: the hot account is no longer first.
    const quick = durations((a) => a !== HOT_ACCOUNT).sort((a, b) => a - b);
    const [lowMs, highMs] = [quick[Math.floor(quick.length * 0.1)]!, quick[Math.floor(quick.length * 0.6)]!];
    const box = await page.$eval('#latency-heatmap svg', (svg) => {
      const r = svg.getBoundingClientRect();
      const d = (svg as SVGElement).dataset;
      return {
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
        lo: +d.loMs!,
        hi: +d.hiMs!,
        top: +d.plotTop!,
        plot: +d.plotHeight!,
        view: +d.viewHeight!,
      };
    });
    const yOf = (ms: number) => {
      const share = (Math.log10(ms) - Math.log10(box.lo)) / (Math.log10(box.hi) - Math.log10(box.lo));
      return box.y + ((box.top + box.plot * (1 - share)) / box.view) * box.height;
    };
    const x = box.x + box.width / 2;
    await page.mouse.move(x, yOf(highMs));
    await page.mouse.down();
    await page.mouse.move(x, (yOf(highMs) + yOf(lowMs)) / 2, { steps: 4 });
    const release = async () => {
      await page.mouse.move(x, yOf(lowMs), { steps: 4 });
      await page.mouse.up();
    };
    await Promise.all([page.waitForURL(/[?&]from=/), release()]);
    const url = new URL(page.url());
    const [from, to] = [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
    assert.ok(Math.abs(from - lowMs) / lowMs < 0.15 && Math.abs(to - highMs) / highMs < 0.15, `brushed ${from}..${to} ms for ${lowMs}..${highMs}`);
    const brushed = await table(page);
    assert.ok(brushed.length > 0);
    assert.notEqual(brushed[0]!.feature, `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`, 'in the quick band the hot account does not lead');
    const hotRow = brushed.find((r) => r.feature === `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`);
    assert.ok(hotRow === undefined || brushed.indexOf(hotRow) > 0);
    assert.ok(await page.$('#latency-heatmap #brush'), 'the brushed band is drawn');

    // The hot account's band, by URL (shareable): it leads again.
    const hot = durations((a) => a === HOT_ACCOUNT).sort((a, b) => a - b);
    const [hotLow, hotHigh] = [hot[Math.floor(hot.length * 0.25)]!, hot.at(-1)! + 1];
    await page.goto(`${ui.url}/slow?since=1m&from=${hotLow.toFixed(1)}&to=${hotHigh.toFixed(1)}`);
    assert.equal((await table(page))[0]?.feature, `${ACCOUNT_KEY} = ${HOT_ACCOUNT}`);
    // The page as docs/web-ui.md shows it (docs/images/slow-page.png is a copy).
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, 'slow-page.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 20_000, 'the screenshot has content');
    await page.close();
  });
});
