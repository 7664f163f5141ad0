/**
 * /search and the front page's find box (/find): the query string parsed (tags, duration range,
 * time range), the search's URL written back and read again to the same search, what Jaeger is
 * asked, and any route's traces listed (a payment, GET /accounts/me, a reconciler run). Against a
 * fake Jaeger serving the recorded fixtures.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { findTarget, sha256Hex } from '../src/routes/search.js';
import { DEFAULT_LIMIT, formatTags, parseSearch, parseTags, searchHref, searchParams, toTraceSearch, windowOf } from '../src/search-query.js';
import { FakeJaeger, type JaegerTraceJson } from './support/fake-jaeger.js';

const fixture = (name: string): JaegerTraceJson =>
  JSON.parse(readFileSync(new URL(`../../trace-analysis/test/fixtures/${name}-trace.jaeger.json`, import.meta.url), 'utf8')) as JaegerTraceJson;

const rootOf = (t: JaegerTraceJson) => t.spans.find((s) => s.references.every((r) => r.refType !== 'CHILD_OF'))!;
/** The fixture with tags added to its root span (the recorded ones predate these attributes). */
function withRootTags(t: JaegerTraceJson, tags: Record<string, string>): JaegerTraceJson {
  const copy = structuredClone(t);
  for (const [key, value] of Object.entries(tags)) rootOf(copy).tags.push({ key, type: 'string', value });
  return copy;
}

const PAYMENT = withRootTags(fixture('payment'), { 'paytrace.account.id': 'acct_alice', 'paytrace.idempotency.key_sha256': sha256Hex('order-17') });
const ACCOUNT = withRootTags(fixture('account'), { 'paytrace.account.id': 'acct_bob' });
const RUN = fixture('reconcile');
const PAYMENT_ID = 'pay_b50bfa3cf6d1488bb2b9bb6043d74b93';
/** A window holding all three fixtures (recorded within two minutes of each other). */
const FROM = '2026-11-25T14:00:00Z';
const TO = '2026-11-25T16:00:00Z';
const inWindow = `from=${FROM}&to=${TO}`;

/** The result rows: `<tr data-trace-id data-outcome data-root data-duration-us>`. */
const rows = (html: string) =>
  [...html.matchAll(/<tr data-trace-id="([0-9a-f]+)" data-outcome="[^"]*" data-root="([^"]*)"/g)].map((m) => ({ traceId: m[1], root: m[2] }));

describe('search query strings', () => {
  test('tags: key=value pairs separated by spaces or new lines, a value keeping any later =', () => {
    assert.deepEqual(parseTags('paytrace.account.id=acct_alice\nhttp.response.status_code=503  note=a=b\r\n'), {
      'paytrace.account.id': 'acct_alice',
      'http.response.status_code': '503',
      note: 'a=b',
    });
    assert.deepEqual(parseTags(''), {});
    // A value with spaces in double quotes, as Jaeger UI's tag box takes it (logfmt); written back the same way.
    const quoted = parseTags('otel.status_description="card declined: \\"insufficient funds\\"" paytrace.account.id=acct_alice');
    assert.deepEqual(quoted, { 'otel.status_description': 'card declined: "insufficient funds"', 'paytrace.account.id': 'acct_alice' });
    assert.deepEqual(parseTags(formatTags(quoted)), quoted);
    assert.equal(formatTags({ a: 'b c' }), 'a="b c"');
    for (const bad of ['novalue=', '=nokey', 'justaword', 'a=1 a=2', 'bad key=1'.replace(' ', '\u0000'), 'open="quote', 'a=""']) {
      assert.throws(() => parseTags(bad), { statusCode: 400 }, bad);
    }
  });

  test('durations and time range: explicit bounds win, a missing one is the lookback away; empty ranges are refused', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const q = parseSearch({ service: 'gateway', min_ms: 100, max_ms: '', lookback: '6h', from: '', to: '' });
    assert.deepEqual(windowOf(q, now), { fromMs: now - 6 * 3_600_000, toMs: now });
    assert.deepEqual(toTraceSearch(q, now), { service: 'gateway', fromMs: now - 6 * 3_600_000, toMs: now, limit: DEFAULT_LIMIT, minDurationMs: 100 });
    // A datetime-local box has no zone: the UI's times are UTC.
    const to = parseSearch({ to: '2026-11-30T23:00', lookback: '15m', max_ms: 50 });
    assert.deepEqual(windowOf(to, now), { fromMs: Date.parse('2026-11-30T22:45:00Z'), toMs: Date.parse('2026-11-30T23:00:00Z') });
    assert.equal(toTraceSearch(to, now).maxDurationMs, 50);
    const from = parseSearch({ from: '2026-11-30T23:30:15' });
    assert.deepEqual(windowOf(from, now), { fromMs: Date.parse('2026-11-30T23:30:15Z'), toMs: now });
    assert.throws(() => parseSearch({ min_ms: 200, max_ms: 100 }), { statusCode: 400 });
    assert.throws(() => parseSearch({ from: '2026-11-30T23:00', to: '2026-11-30T22:00' }), { statusCode: 400 });
  });

  test('a search written as a URL reads back as the same search', () => {
    const q = parseSearch({
      service: 'balance',
      operation: 'POST /v1/holds',
      tags: 'paytrace.payment.id=pay_1\nhttp.response.status_code=503',
      min_ms: 2.5,
      max_ms: 900,
      from: '2026-11-30T23:00:00.250Z',
      to: '2026-11-30T23:30',
      limit: 50,
    });
    // The numbers as the route's schema coerces them.
    const numbers = new Set(['min_ms', 'max_ms', 'limit']);
    const again = parseSearch(Object.fromEntries([...searchParams(q)].map(([k, v]) => [k, numbers.has(k) ? Number(v) : v])));
    assert.deepEqual(again, q);
    // Defaults are left out of the link.
    assert.equal(searchHref(parseSearch({})), '/search?service=gateway');
  });

  test('the find box: a trace id opens it; a payment id is searched as one, then as a key; anything else is a key', () => {
    assert.deepEqual(findTarget(' A3DC4EC450FAB1AFBC0D2A9E7C5CB321 '), { traceId: 'a3dc4ec450fab1afbc0d2a9e7c5cb321' });
    assert.deepEqual(findTarget('7c5cb3210fab1afb'), { traceId: '00000000000000007c5cb3210fab1afb' });
    const pay = findTarget(PAYMENT_ID);
    assert.ok('searches' in pay);
    assert.deepEqual(
      pay.searches.map((s) => [s.service, s.operation, s.tags]),
      [
        ['gateway', 'POST /process-payment', { 'paytrace.payment.id': PAYMENT_ID }],
        ['gateway', 'POST /process-payment', { 'paytrace.idempotency.key_sha256': sha256Hex(PAYMENT_ID) }],
      ],
    );
    assert.deepEqual(findTarget('order 17'), {
      searches: [{ ...pay.searches[1]!, tags: { 'paytrace.idempotency.key_sha256': sha256Hex('order 17') } }],
    });
  });
});

describe('/search and /find against Jaeger', () => {
  const jaeger = new FakeJaeger();
  before(() => jaeger.start());
  after(() => jaeger.stop());
  beforeEach(() => jaeger.reset(PAYMENT, ACCOUNT, RUN));

  test("every route's traces are listed with their root, outcome and verdict line, newest first; the pickers come from Jaeger", async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const res = await app.inject(`/search?service=gateway&${inWindow}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(rows(res.body), [
      { traceId: ACCOUNT.traceID, root: 'gateway GET /accounts/me' },
      { traceId: RUN.traceID, root: 'gateway reconcile payment' },
      { traceId: PAYMENT.traceID, root: 'gateway POST /process-payment' },
    ]);
    for (const t of [PAYMENT, ACCOUNT, RUN]) assert.ok(res.body.includes(`<a href="/trace/${t.traceID}">`), t.traceID);
    // A run's outcome is the reconciler's, not a status code's.
    assert.match(res.body, /reconcile: succeeded/);
    assert.match(res.body, /succeeded 201/);
    assert.match(res.body, /succeeded 200/);
    // Each trace's verdict line: the sentence its trace page has.
    assert.equal([...res.body.matchAll(/<tr class="verdict-line"/g)].length, 3);
    // The pickers: Jaeger's services, and the chosen service's operations.
    for (const s of ['auth', 'balance', 'gateway', 'payments']) assert.ok(res.body.includes(`<option value="${s}"`), s);
    for (const o of ['GET /accounts/me', 'POST /process-payment', 'reconcile payment']) assert.ok(res.body.includes(`<option value="${o}">`), o);
    // One search, as the URL says.
    assert.equal(jaeger.searches.length, 1);
    const asked = jaeger.searches[0]!;
    assert.equal(asked.get('service'), 'gateway');
    assert.equal(asked.get('start'), String(Date.parse(FROM) * 1000));
    assert.equal(asked.get('end'), String(Date.parse(TO) * 1000));
    assert.equal(asked.get('limit'), String(DEFAULT_LIMIT));
  });

  test('tags and a duration range go to Jaeger; the page keeps the roots within the range', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const byAccount = await app.inject(`/search?service=gateway&tags=${encodeURIComponent('paytrace.account.id=acct_alice')}&${inWindow}`);
    assert.deepEqual(rows(byAccount.body), [{ traceId: PAYMENT.traceID, root: 'gateway POST /process-payment' }]);
    assert.deepEqual(JSON.parse(jaeger.searches[0]!.get('tags')!), { 'paytrace.account.id': 'acct_alice' });
    // The payment's root lasted 122.7 ms, the account's 20.7, the run's 21.9: at most 50 ms leaves the payment
    // out, though Jaeger returns it (its short spans are within the range).
    const short = await app.inject(`/search?service=gateway&max_ms=50&${inWindow}`);
    assert.deepEqual(
      rows(short.body)
        .map((r) => r.traceId)
        .sort(),
      [ACCOUNT.traceID, RUN.traceID].sort(),
    );
    assert.equal(jaeger.searches[1]!.get('maxDuration'), '50ms');
    assert.match(short.body, /1 left out: a span matched the duration range, not the root/);
    const long = await app.inject(`/search?service=gateway&operation=${encodeURIComponent('POST /process-payment')}&min_ms=100&${inWindow}`);
    assert.deepEqual(rows(long.body), [{ traceId: PAYMENT.traceID, root: 'gateway POST /process-payment' }]);
    assert.equal(jaeger.searches[2]!.get('minDuration'), '100ms');
    assert.equal(jaeger.searches[2]!.get('operation'), 'POST /process-payment');
  });

  test("the page's link is its search: opened, it asks Jaeger the same", async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const first = await app.inject(`/search?service=gateway&tags=${encodeURIComponent('paytrace.account.id=acct_bob')}&min_ms=1&limit=5&${inWindow}`);
    const href = /<a href="([^"]+)" id="search-link">/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = await app.inject(href);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(rows(second.body), rows(first.body));
    assert.deepEqual(rows(second.body), [{ traceId: ACCOUNT.traceID, root: 'gateway GET /accounts/me' }]);
    assert.deepEqual([...jaeger.searches[1]!], [...jaeger.searches[0]!]);
  });

  test('the find box: one match opens its trace, several are the search listing them, a trace id needs no search', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    const byTraceId = await app.inject(`/find?q=${PAYMENT.traceID}`);
    assert.equal(byTraceId.statusCode, 302);
    assert.equal(byTraceId.headers.location, `/trace/${PAYMENT.traceID}`);
    assert.equal(jaeger.searches.length, 0);
    // The fixtures are older than the box's 7 days: move the payment to now.
    const now = structuredClone(PAYMENT);
    const shift = Date.now() * 1000 - rootOf(now).startTime - 60_000_000;
    for (const s of now.spans) s.startTime += shift;
    jaeger.reset(now, ACCOUNT, RUN);
    const byPaymentId = await app.inject(`/find?q=${PAYMENT_ID}`);
    assert.equal(byPaymentId.headers.location, `/trace/${PAYMENT.traceID}`);
    const byKey = await app.inject('/find?q=order-17');
    assert.equal(byKey.headers.location, `/trace/${PAYMENT.traceID}`);
    assert.deepEqual(JSON.parse(jaeger.searches.at(-1)!.get('tags')!), { 'paytrace.idempotency.key_sha256': sha256Hex('order-17') });
    // A retry under the same key: two traces, listed.
    const retry = structuredClone(now);
    retry.traceID = 'ffffffffffffffffffffffffffffffff';
    for (const s of retry.spans) s.traceID = retry.traceID;
    jaeger.reset(now, retry);
    const twice = await app.inject('/find?q=order-17');
    assert.equal(twice.statusCode, 302);
    assert.equal(
      twice.headers.location,
      `/search?${new URLSearchParams({ service: 'gateway', operation: 'POST /process-payment', tags: `paytrace.idempotency.key_sha256=${sha256Hex('order-17')}`, lookback: '7d' })}`,
    );
    const listed = await app.inject(twice.headers.location!);
    assert.equal(rows(listed.body).length, 2);
    // Nothing found: the payment-id search, empty, where the window can be widened.
    const none = await app.inject('/find?q=pay_00000000000000000000000000000000');
    assert.match(none.headers.location!, /^\/search\?.*paytrace\.payment\.id%3Dpay_0+&lookback=7d$/);
    assert.equal((await app.inject('/find?q=')).statusCode, 400);
    assert.equal((await app.inject(`/find?q=${'x'.repeat(301)}`)).statusCode, 400);
  });

  test('bad searches are a 400 page; Jaeger down a 503', async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    for (const url of [
      '/search?min_ms=-1',
      '/search?lookback=1y',
      '/search?from=yesterday',
      '/search?limit=0',
      '/search?limit=501',
      '/search?tags=oops',
    ]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.body, /<h1>Bad request<\/h1>/);
    }
    jaeger.search = 'refuse';
    const res = await app.inject(`/search?${inWindow}`);
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /Jaeger is not answering/);
  });

  test("an account's trace and a reconciler run's trace draw as a payment's does: Gantt, critical path, verdict", async () => {
    const app = await buildApp({ jaeger: { url: jaeger.url } });
    for (const [t, title] of [
      [ACCOUNT, 'GET /accounts/me'],
      [RUN, 'reconcile payment'],
    ] as const) {
      const res = await app.inject(`/trace/${t.traceID}`);
      assert.equal(res.statusCode, 200, title);
      assert.ok(res.body.includes(`<h1>gateway <code>${title}</code></h1>`), title);
      assert.match(res.body, /<svg[^>]*class="gantt"/);
      assert.match(res.body, /class="row on-path/);
      assert.match(res.body, /<section class="verdict" id="verdict"><h2>Verdict<\/h2><p>[^<]+<\/p>/);
      // Not a payment's page: no settlements searched for an account's trace.
      if (t === ACCOUNT) assert.doesNotMatch(res.body, /Settled later|reconciliation runs/);
    }
  });
});
