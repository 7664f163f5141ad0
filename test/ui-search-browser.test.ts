import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { JaegerClient } from '@paytrace/trace-analysis';
import { ROOT, freePort, startUi, type RunningUi } from '@paytrace/devstack';
import { launchChromium } from '@paytrace/devstack/browser';
import { databaseUrl, jaegerUrl, prometheusUrl, stripeApiBase } from './support/env.js';
import { resetData, testPool } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * Search in a real browser (Chromium) against the real stack: the four services, Postgres,
 * stripe-mock, the Collector and Jaeger `npm test` started. A few payments and GET /accounts/me
 * of two accounts, then the front page's find box (a 201's payment id, a client's
 * Idempotency-Key) and /search (an account's tag, a duration range), as a person would use them;
 * and a run of the gateway's reconciler (a payment put back open by SQL, as settlement.test.ts does),
 * searched and drawn like any request.
 */

const SCREENSHOT_DIR = process.env.PAYTRACE_SCREENSHOT_DIR ?? join(ROOT, '.data', 'screenshots');

interface Made {
  traceId: string;
  amount?: number;
  account: string;
  route: string;
  paymentId?: string;
  idempotencyKey?: string;
}

describe('search, in Chromium', () => {
  let stack: TestStack;
  let ui: RunningUi;
  let browser: Browser;
  const jaeger = new JaegerClient(jaegerUrl);
  /** Traces this file made start after this (whole seconds: what a datetime-local box takes). */
  let startedMs: number;
  const made: Made[] = [];
  const db = testPool();

  const traceIdOf = (headers: Headers) => headers.get('traceresponse')!.split('-')[1]!;

  async function pay(apiKey: string, account: string, amount: number): Promise<void> {
    const idempotencyKey = `search-${account}-${amount}-${Date.now()}`;
    const res = await stack.pay({ amount, currency: 'usd' }, { key: apiKey, idempotencyKey });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    made.push({ traceId: traceIdOf(res.headers), amount, account, route: 'POST /process-payment', paymentId: res.body.payment_id, idempotencyKey });
  }

  async function readAccount(apiKey: string, account: string): Promise<void> {
    const res = await fetch(`${stack.gateway}/accounts/me`, { headers: { authorization: `Bearer ${apiKey}` } });
    assert.equal(res.status, 200);
    made.push({ traceId: traceIdOf(res.headers), account, route: 'GET /accounts/me' });
  }

  before(async () => {
    await resetData(databaseUrl);
    // The reconciler looks often, so the run below happens within a second.
    stack = await startTestStack({ databaseUrl, stripeApiBase, envFor: { gateway: { RECONCILE_INTERVAL_MS: '200' } } });
    ui = await startUi({ port: await freePort(), jaegerUrl, prometheusUrl, env: { LOG_LEVEL: 'warn' } });
    browser = await launchChromium();
    startedMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
    for (const amount of [1100, 1200, 1300]) await pay('test_key_alice', 'acct_alice', amount);
    await pay('test_key_bob', 'acct_bob', 1400);
    await readAccount('test_key_alice', 'acct_alice');
    await readAccount('test_key_bob', 'acct_bob');
    await reconcileRun(made.find((m) => m.amount === 1300)!);
    for (const m of made) await jaeger.waitForTrace(m.traceId, { minSpans: 10 });
  });

  /** Leaves a paid payment open, its hold not captured and its lease run out (as a request that died would), and waits for the reconciler's run. */
  async function reconcileRun(payment: Made): Promise<void> {
    await db.query(`UPDATE balance.holds SET status = 'held' WHERE hold_key = $1`, [payment.paymentId]);
    await db.query(`UPDATE gateway.payments SET state = 'open', outcome = NULL, lease_until = now() - interval '1 second' WHERE payment_id = $1`, [
      payment.paymentId,
    ]);
    for (let tries = 0; tries < 100; tries++) {
      const [run] = await jaeger.searchTraces({
        service: 'gateway',
        operation: 'reconcile payment',
        tags: { 'paytrace.payment.id': payment.paymentId! },
        fromMs: startedMs,
        toMs: Date.now() + 1000,
        limit: 1,
      });
      if (run) {
        made.push({ traceId: run[0]!.traceId, account: 'none', route: 'reconcile payment', paymentId: payment.paymentId! });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`no reconciliation run of ${payment.paymentId} in Jaeger within 20 s`);
  }
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await stack?.stop();
    await db.end();
  });

  const listed = (page: Page) => page.$$eval('table.results tbody tr[data-root]', (rows) => rows.map((r) => r.getAttribute('data-trace-id')!));

  test("a 201's payment id typed into the front page's box opens its trace; so does another's Idempotency-Key", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const [first, second] = made.filter((m) => m.paymentId);
    for (const [text, traceId] of [
      [first!.paymentId!, first!.traceId],
      [second!.idempotencyKey!, second!.traceId],
    ] as const) {
      await page.goto(`${ui.url}/`);
      await page.fill('#find-q', text);
      await page.click('#find-form button[type="submit"]');
      await page.waitForURL(`${ui.url}/trace/${traceId}`);
      assert.equal(await page.locator('#trace-id').innerText(), traceId);
      assert.equal(await page.locator('h1').innerText(), 'gateway POST /process-payment');
      // Found by the key's hash: the key itself is in no span, so on no page.
      assert.ok(!(await page.content()).includes(second!.idempotencyKey!), 'the page shows the Idempotency-Key');
    }
    await page.close();
  });

  test("service gateway and the tag paytrace.account.id=acct_alice list exactly alice's traces, each linking to its page", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/search`);
    // The pickers come from Jaeger: every service, and the gateway's routes.
    const services = await page.$$eval('#search-service option', (os) => os.map((o) => o.getAttribute('value')));
    for (const s of ['auth', 'balance', 'gateway', 'payments']) assert.ok(services.includes(s), `${s} in ${services.join(', ')}`);
    const operations = await page.$$eval('#search-operation option', (os) => os.map((o) => o.getAttribute('value')));
    for (const o of ['GET /accounts/me', 'POST /process-payment']) assert.ok(operations.includes(o), `${o} in ${operations.join(', ')}`);

    // Choosing a service reloads the form with its operations (ui/public/search.js).
    await page.selectOption('#search-service', 'balance');
    await page.waitForURL(/\/search\?service=balance/);
    const balanceOps = await page.$$eval('#search-operation option', (os) => os.map((o) => o.getAttribute('value')));
    assert.ok(balanceOps.includes('POST /v1/holds') && !balanceOps.includes('GET /accounts/me'), balanceOps.join(', '));
    await page.selectOption('#search-service', 'gateway');
    await page.waitForURL(/\/search\?service=gateway/);
    await page.fill('textarea[name="tags"]', 'paytrace.account.id=acct_alice');
    await page.fill('input[name="from"]', new Date(startedMs).toISOString().slice(0, 19));
    await page.click('#search-form button[type="submit"]');
    await page.waitForURL(/\/search\?.*tags=paytrace\.account\.id%3Dacct_alice/);
    const alice = made.filter((m) => m.account === 'acct_alice');
    assert.deepEqual((await listed(page)).sort(), alice.map((m) => m.traceId).sort());
    const roots = await page.$$eval('table.results tbody tr[data-root]', (rows) => rows.map((r) => r.getAttribute('data-root')));
    assert.deepEqual(roots.sort(), alice.map((m) => `gateway ${m.route}`).sort());
    // Each with its verdict line.
    assert.equal(await page.locator('tr.verdict-line').count(), alice.length);

    // The address is the search: opened again, it lists the same.
    const again = await browser.newPage();
    await again.goto(page.url());
    assert.deepEqual((await listed(again)).sort(), alice.map((m) => m.traceId).sort());
    await again.close();

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, 'search-page.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 20_000, 'the screenshot has content');
    await page.close();
  });

  test('a duration range keeps the traces whose root lasted within it and leaves out the rest', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The roots' real durations, as Jaeger has them; the bound falls halfway between two of them.
    const durations = await Promise.all(
      made.map(async (m) => ({ ...m, us: (await jaeger.getTrace(m.traceId))!.find((s) => !s.parentSpanId)!.duration })),
    );
    const sorted = [...durations].sort((a, b) => a.us - b.us);
    const i = Math.floor(sorted.length / 2);
    const boundMs = (sorted[i - 1]!.us + sorted[i]!.us) / 2 / 1000;
    assert.ok(sorted[i - 1]!.us < sorted[i]!.us, 'two roots of distinct durations');
    const from = new Date(startedMs).toISOString();
    const shorter = sorted.slice(0, i).map((m) => m.traceId);
    const longer = sorted.slice(i).map((m) => m.traceId);

    await page.goto(`${ui.url}/search?service=gateway&from=${from}&max_ms=${boundMs}`);
    assert.deepEqual((await listed(page)).sort(), [...shorter].sort(), `at most ${boundMs} ms`);
    await page.goto(`${ui.url}/search?service=gateway&from=${from}&min_ms=${boundMs}`);
    assert.deepEqual((await listed(page)).sort(), [...longer].sort(), `at least ${boundMs} ms`);
    await page.close();
  });

  test('a GET /accounts/me trace, found by its route, draws its Gantt with the critical path and the verdict', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const bob = made.find((m) => m.account === 'acct_bob' && m.route === 'GET /accounts/me')!;
    const params = new URLSearchParams({
      service: 'gateway',
      operation: 'GET /accounts/me',
      tags: 'paytrace.account.id=acct_bob',
      from: new Date(startedMs).toISOString(),
    });
    await page.goto(`${ui.url}/search?${params}`);
    assert.deepEqual(await listed(page), [bob.traceId]);
    await page.click(`a[href="/trace/${bob.traceId}"]`);
    await page.waitForURL(`${ui.url}/trace/${bob.traceId}`);
    assert.equal(await page.locator('h1').innerText(), 'gateway GET /accounts/me');
    const rows = await page.$$eval('svg.gantt g.row', (gs) =>
      gs.map((g) => ({
        service: g.getAttribute('data-service'),
        kind: g.getAttribute('data-kind'),
        label: g.querySelector('text.label')!.textContent,
        width: g.querySelector('rect.bar')!.getBoundingClientRect().width,
        onPath: g.classList.contains('on-path'),
      })),
    );
    const servers = rows.filter((r) => r.kind === 'server').map((r) => `${r.service} ${r.label}`);
    assert.equal(servers[0], 'gateway GET /accounts/me');
    for (const hop of ['auth POST /v1/keys/verify', 'balance GET /v1/accounts/:account_id/balances', 'payments GET /v1/transactions']) {
      assert.ok(servers.includes(hop), `${hop} in ${servers.join(', ')}`);
    }
    assert.ok(rows.every((r) => r.width > 0));
    assert.ok(rows[0]!.onPath, 'the root is on the critical path');
    assert.match(await page.locator('#verdict').innerText(), /Critical path by service/);
    assert.match(await page.locator('.meta').innerText(), /succeeded \(200\)/);
    await page.close();
  });

  test("a reconciler's run is found by its payment id and drawn with its outcome, Gantt and verdict", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const run = made.find((m) => m.route === 'reconcile payment')!;
    const params = new URLSearchParams({
      service: 'gateway',
      operation: 'reconcile payment',
      tags: `paytrace.payment.id=${run.paymentId}`,
      lookback: '15m',
    });
    await page.goto(`${ui.url}/search?${params}`);
    assert.deepEqual(await listed(page), [run.traceId]);
    assert.equal(await page.locator(`tr[data-trace-id="${run.traceId}"] .outcome`).innerText(), 'reconcile: succeeded');
    await page.click(`a[href="/trace/${run.traceId}"]`);
    await page.waitForURL(`${ui.url}/trace/${run.traceId}`);
    assert.equal(await page.locator('h1').innerText(), 'gateway reconcile payment');
    const bars = await page.$$eval('svg.gantt g.row rect.bar', (rs) => rs.map((r) => r.getBoundingClientRect().width));
    assert.ok(bars.length >= 3 && bars.every((w) => w > 0), `bars: ${bars.join(', ')}`);
    assert.equal(await page.locator('svg.gantt g.row.on-path').first().getAttribute('data-service'), 'gateway');
    assert.match(await page.locator('#verdict').innerText(), /Critical path by service/);
    // What it reconciled, linked back to the payment's request.
    const payment = made.find((m) => m.paymentId === run.paymentId && m.route === 'POST /process-payment')!;
    assert.ok((await page.locator(`a[href="/trace/${payment.traceId}"]`).count()) > 0, 'linked to the payment');
    assert.match(await page.locator('#mermaid').innerText(), new RegExp(`^gantt\ntitle Reconciliation trace for payment ${run.paymentId}`));
    await page.close();
  });
});
