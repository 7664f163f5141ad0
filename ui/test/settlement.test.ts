/**
 * A payment settled later by the gateway's reconciler (issue 19), both ways: the payment's trace
 * page lists the reconciliation runs (each a trace of its own, found by the payment id), and a run's
 * trace page links back to the payment's request through its span link. Against a fake Jaeger that
 * serves the recorded payment trace and reconciliation runs built from the recorded fixture.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { FakeJaeger, type JaegerTraceJson } from './support/fake-jaeger.js';

const fixture = (name: string): JaegerTraceJson =>
  JSON.parse(readFileSync(new URL(`../../trace-analysis/test/fixtures/${name}-trace.jaeger.json`, import.meta.url), 'utf8')) as JaegerTraceJson;

const PAYMENT = fixture('payment');
const ACCOUNT = fixture('account');
/** The recorded shape of a run: attempt 2, succeeded, 30 s after the payment, linked to its request span. */
const RUN = fixture('reconcile');
const PAYMENT_ID = 'pay_b50bfa3cf6d1488bb2b9bb6043d74b93';
const PAYMENT_ROOT = PAYMENT.spans.find((s) => s.operationName === 'POST /process-payment')!;
const PAYMENT_START_US = PAYMENT_ROOT.startTime;

const rootOf = (t: JaegerTraceJson) => t.spans.find((s) => s.references.every((r) => r.refType !== 'CHILD_OF'))!;

/** Another run of the same payment: a new trace id, moved in time, with its own root tags. */
function run(traceId: string, shiftUs: number, rootTags: Record<string, unknown>): JaegerTraceJson {
  const copy = structuredClone(RUN);
  copy.traceID = traceId;
  for (const s of copy.spans) {
    s.traceID = traceId;
    s.startTime += shiftUs;
    for (const r of s.references) if (r.refType === 'CHILD_OF') r.traceID = traceId;
  }
  const root = rootOf(copy);
  for (const [key, value] of Object.entries(rootTags)) {
    root.tags = root.tags.filter((t) => t.key !== key);
    root.tags.push({ key, type: typeof value === 'number' ? 'int64' : 'string', value });
  }
  return copy;
}

/** The settlement section's rows: `<tr data-trace-id data-outcome>`. */
const runRows = (html: string) =>
  [...html.matchAll(/<tr data-trace-id="([0-9a-f]+)" data-outcome="([^"]*)">([\s\S]*?)<\/tr>/g)].map(([, traceId, outcome, body]) => ({
    traceId,
    outcome,
    cells: [...body!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(([, c]) => c!.replace(/<[^>]+>/g, '')),
  }));

describe('a payment settled later by the reconciler', () => {
  const jaeger = new FakeJaeger();
  const FIRST = '0f0e0d0c0b0a09080706050403020100';
  /** Attempt 1, 10 s after the payment: could not finish. */
  const firstRun = () => run(FIRST, -20_000_000, { 'paytrace.reconcile.attempt': 1, 'paytrace.reconcile.outcome': 'retry_later' });

  before(() => jaeger.start());
  after(() => jaeger.stop());
  beforeEach(() => jaeger.reset(PAYMENT, RUN, firstRun(), ACCOUNT));

  test("the payment's page lists each run (start, after how long, attempt, outcome) oldest first, each linked to its trace", async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const before = Date.now();
    const res = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.equal(res.statusCode, 200);

    // One search: the reconciler's root spans carrying this payment's id, from the payment's start to now.
    assert.equal(jaeger.searches.length, 1);
    const q = jaeger.searches[0]!;
    assert.equal(q.get('service'), 'gateway');
    assert.equal(q.get('operation'), 'reconcile payment');
    assert.deepEqual(JSON.parse(q.get('tags')!), { 'paytrace.payment.id': PAYMENT_ID });
    assert.ok(Math.abs(Number(q.get('start')) - PAYMENT_START_US) <= 1, `start ${q.get('start')} is the payment's start ${PAYMENT_START_US}`);
    assert.ok(Number(q.get('end')) >= before * 1000 && Number(q.get('end')) <= (Date.now() + 1) * 1000, 'end is now');
    assert.equal(q.get('limit'), '20');
    assert.match(res.body, /<h2>Settled later<\/h2>/);

    const rows = runRows(res.body);
    assert.deepEqual(
      rows.map((r) => [r.traceId, r.outcome]),
      [
        [FIRST, 'retry_later'],
        [RUN.traceID, 'succeeded'],
      ],
    );
    // run started · after this request · attempt · outcome · duration · trace
    assert.deepEqual(rows[0]!.cells.slice(1, 4), ['10.3 s', '1', 'retry_later']);
    assert.deepEqual(rows[1]!.cells.slice(1, 4), ['30.3 s', '2', 'succeeded']);
    assert.match(rows[1]!.cells[0]!, /^\d\d:\d\d:\d\d\.\d{3} UTC$/);
    for (const id of [FIRST, RUN.traceID]) assert.ok(res.body.includes(`<a href="/trace/${id}">`), id);
    assert.match(res.body, /settled 30\.3 s after it started, in the background, by the gateway's reconciler \(attempt 2\)/);
    assert.doesNotMatch(res.body, /there may be more/);

    // The Gantt is the payment's, as before.
    assert.match(res.body, /<pre id="mermaid">gantt\ntitle Request trace for POST \/process-payment/);
  });

  test('a payment with no run shows no section and no note', async () => {
    jaeger.reset(PAYMENT);
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.equal(res.statusCode, 200);
    assert.equal(jaeger.searches.length, 1);
    assert.doesNotMatch(res.body, /Settled later|settled-later|settlement-search/);
  });

  test('runs not settled yet say so; a full page of runs says there may be more', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      run(`${(i + 1).toString(16).padStart(2, '0')}${'ab'.repeat(15)}`, i * 1_000_000, {
        'paytrace.reconcile.attempt': i + 1,
        'paytrace.reconcile.outcome': 'retry_later',
      }),
    );
    jaeger.reset(PAYMENT, ...runs);
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.equal(runRows(res.body).length, 20);
    assert.match(res.body, /has not settled it yet \(last run, attempt 20: <span class="outcome retry-later"/);
    assert.match(res.body, /The first 20 runs Jaeger returned \(its search limit\); there may be more/);
  });

  test('Jaeger refusing the settlement search: the page is still a 200, with the trace and a note', async () => {
    jaeger.search = 'refuse';
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /id="settlement-search"/);
    assert.match(res.body, new RegExp(`search for reconciliation runs of payment <code>${PAYMENT_ID}</code> failed \\(Jaeger: Jaeger answered 500`));
    assert.doesNotMatch(res.body, /<h2>Settled later<\/h2>/);
    assert.match(res.body, /<section class="verdict" id="verdict">/);
    assert.match(res.body, /<g class="row[^"]*" data-span-id=/);
  });

  test('Jaeger frozen on the settlement search: the page comes after the same timeout, with a note', async () => {
    jaeger.search = 'freeze';
    const app = await buildApp({ jaeger: { url: jaeger.url, timeoutMs: 300 } });
    const started = performance.now();
    const res = await app.inject(`/trace/${PAYMENT.traceID}`);
    const took = performance.now() - started;
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /failed \(Jaeger: timed out\)/);
    assert.ok(took >= 250 && took < 2_000, `${took} ms`);
  });

  test('a trace that is not a payment (an account read) is not searched for', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${ACCOUNT.traceID}`);
    assert.equal(res.statusCode, 200);
    assert.equal(jaeger.searches.length, 0);
    assert.doesNotMatch(res.body, /Settled later|settlement-search|Reconciles payment/);
  });

  test("a run's page links back to the payment's request, and is drawn like any trace, rooted at the run", async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${RUN.traceID}`);
    assert.equal(res.statusCode, 200);
    assert.equal(jaeger.searches.length, 0, 'a run is not a payment: no settlement search');
    assert.ok(
      res.body.includes(
        `Reconciles payment <code>${PAYMENT_ID}</code> — original request: <a href="/trace/${PAYMENT.traceID}#span-${PAYMENT_ROOT.spanID}" id="original-request">`,
      ),
      res.body,
    );
    assert.match(
      res.body,
      /· attempt 2 · <span class="outcome succeeded" title="charged, hold captured">succeeded<\/span> \(charged, hold captured\)/,
    );
    assert.match(res.body, /<h1>gateway <code>reconcile payment<\/code><\/h1>/);

    // The Gantt: the run's root first, then its calls to payments and balance, all on the critical path.
    const rows = [...res.body.matchAll(/<g class="(row[^"]*)" data-span-id="([0-9a-f]+)" data-service="([^"]+)" data-kind="([^"]+)"/g)].map(
      ([, cls, id, service, kind]) => ({ id, service, kind, onPath: cls!.includes('on-path') }),
    );
    assert.deepEqual(rows[0], { id: rootOf(RUN).spanID, service: 'gateway', kind: 'internal', onPath: true });
    assert.deepEqual(
      rows.filter((r) => r.kind !== 'internal').map((r) => `${r.service} ${r.kind}`),
      [
        'gateway client',
        'payments server',
        'payments client',
        'gateway client',
        'balance server',
        'balance client',
        'balance client',
        'balance client',
        'balance client',
      ],
    );
    // The waits around each hop, and a verdict, as for a request.
    assert.match(res.body, /<td>gateway → payments \/v1\/charges\/:payment_id<\/td>/);
    assert.match(res.body, /<td>gateway → balance \/v1\/holds\/:hold_key\/capture<\/td>/);
    assert.match(res.body, /<section class="verdict" id="verdict">\s*<h2>Verdict<\/h2>\s*<p>No bottleneck stands out over 1 trace/);
    assert.match(res.body, /<pre id="mermaid">gantt\ntitle Reconciliation trace for payment pay_b50bfa3cf6d1488bb2b9bb6043d74b93\n/);
    const mermaid = await app.inject(`/trace/${RUN.traceID}/mermaid`);
    assert.match(mermaid.body, /^gantt\ntitle Reconciliation trace for payment pay_b50bfa3cf6d1488bb2b9bb6043d74b93\n/);

    // And back: the link opens the payment, whose page lists this run.
    const back = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.ok(runRows(back.body).some((r) => r.traceId === RUN.traceID));
  });

  test('a run whose link is missing says so; a failed run is marked', async () => {
    const unlinked = run('1234567890abcdef1234567890abcdef', 0, { 'otel.status_code': 'ERROR', 'paytrace.reconcile.outcome': 'retry_later' });
    rootOf(unlinked).references = [];
    jaeger.reset(PAYMENT, unlinked);
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/trace/${unlinked.traceID}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /original request: not linked/);
    assert.match(res.body, /<span class="outcome failed"[^>]*>retry_later \(error\)<\/span>/);
    const payment = await app.inject(`/trace/${PAYMENT.traceID}`);
    assert.match(payment.body, /has not settled it yet/);
  });

  test('what a run recorded is escaped, on both pages', async () => {
    const hostile = run('fedcba9876543210fedcba9876543210', 0, { 'paytrace.reconcile.outcome': '<script>alert(1)</script>' });
    jaeger.reset(PAYMENT, hostile);
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    for (const id of [PAYMENT.traceID, hostile.traceID]) {
      const res = await app.inject(`/trace/${id}`);
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /<script>alert/);
      assert.match(res.body, /&lt;script(>|&gt;)alert\(1\)/);
    }
  });
});
