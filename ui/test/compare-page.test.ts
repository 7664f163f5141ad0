import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { durationReference, spanPercentiles, toSpans, type TraceSpan } from '@paytrace/trace-analysis';
import { renderComparePage } from '../src/views/compare-page.js';
import { renderTracePage } from '../src/views/trace-page.js';
import { buildApp } from '../src/app.js';
import { FakeJaeger, type JaegerTraceJson } from './support/fake-jaeger.js';

/** A payment's trace recorded from the real stack (the detective's fixture): Stripe's call is span ef7a1fc644161c68, 8.9 ms. */
const RECORDED = JSON.parse(readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8'));
const typical = toSpans(RECORDED);
const STRIPE = 'ef7a1fc644161c68';

/** The same payment with Stripe `ms` slower: the call and every ancestor last longer, everything after it starts later. */
function slower(spans: TraceSpan[], ms: number): TraceSpan[] {
  const stripe = spans.find((s) => s.spanId === STRIPE)!;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const ancestors = new Set<string>();
  for (let s: TraceSpan | undefined = stripe; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) ancestors.add(s.spanId);
  const at = stripe.startTime + stripe.duration;
  return spans.map((s) => ({
    ...s,
    traceId: 'f'.repeat(32),
    duration: ancestors.has(s.spanId) ? s.duration + ms * 1000 : s.duration,
    startTime: !ancestors.has(s.spanId) && s.startTime >= at ? s.startTime + ms * 1000 : s.startTime,
  }));
}

test("the compare page lists Stripe's call first with its extra time, and hatches it on the slow trace's Gantt", () => {
  const html = renderComparePage(slower(typical, 300), typical, 'chosen by hand');
  const firstRow = /<tbody><tr data-service="([^"]+)" data-category="([^"]+)" data-span-id="([^"]*)">([\s\S]*?)<\/tr>/.exec(html);
  assert.ok(firstRow, 'a table of differences');
  assert.deepEqual(firstRow.slice(1, 4), ['payments', 'outside', STRIPE]);
  assert.match(firstRow[4]!, /payments POST → 127\.0\.0\.1:12111\/v1\/charges/);
  assert.match(firstRow[4]!, /\+300\.0 ms/);
  assert.match(html, /id="extra-total">\+300\.0 ms</);
  // The Gantt marks Stripe's row (and only rows that took longer) with the hatch and its label.
  const stripeRow = new RegExp(`<g class="row[^"]*" data-span-id="${STRIPE}"[^>]*>([\\s\\S]*?)</g>`).exec(html)!;
  assert.match(stripeRow[1]!, /<rect class="extra"/);
  assert.match(stripeRow[1]!, /<text class="extra-label"[^>]*>\+300\.0 ms<\/text>/);
  assert.equal((html.match(/class="extra"/g) ?? []).length, 1, 'only the call to Stripe took longer on the path');
});

test('the trace page links to its comparison and shows each span’s rank among the route’s recent spans', () => {
  const reference = durationReference([typical, slower(typical, 100), slower(typical, 300)]);
  const slow = slower(typical, 300);
  const html = renderTracePage(slow, {
    all: false,
    jaegerUiUrl: undefined,
    percentiles: { ranks: spanPercentiles(slow, reference), traces: 3, windowMin: 5, capped: false },
  });
  assert.match(html, new RegExp(`<a href="/trace/${'f'.repeat(32)}/compare" id="compare-link">compare with a typical trace</a>`));
  const row = new RegExp(`<details class="span[^"]*" id="span-${STRIPE}">([\\s\\S]*?)</summary>`).exec(html)![1]!;
  assert.match(
    row,
    /<span class="num rank" data-span-id="ef7a1fc644161c68" title="longer than 83\.3% of the 3 spans of this operation in the 5 min before this trace">p83 of 3<\/span>/,
  );
  assert.match(html, /in the 3 traces of this route in the 5 min before it/);
  // Jaeger's search failing: the page says so instead of ranks.
  const without = renderTracePage(slow, { all: false, jaegerUiUrl: undefined, percentiles: { error: 'Jaeger: timed out' } });
  assert.match(without, /\(not available: Jaeger: timed out\)/);
});

const jaeger = new FakeJaeger();
before(() => jaeger.start());
after(() => jaeger.stop());

test('/trace/<id>/ranks: each span ranked among the route’s traces Jaeger finds in the 5 min before; a failed search is a note', async () => {
  const recorded = RECORDED as JaegerTraceJson | { data: JaegerTraceJson[] };
  const trace = 'data' in recorded ? recorded.data[0]! : recorded;
  jaeger.reset(trace);
  const app = await buildApp({ jaeger: { url: jaeger.url } });
  const res = await app.inject(`/trace/${trace.traceID}/ranks`);
  assert.equal(res.statusCode, 200);
  const body = res.json() as { note: string; ranks: Record<string, { text: string; title: string }> };
  const search = jaeger.searches[0]!;
  assert.deepEqual(
    [search.get('api'), search.get('service'), search.get('operation'), search.get('limit')],
    ['v3', 'gateway', 'POST /process-payment', '100'],
  );
  const root = typical.find((s) => !s.parentSpanId)!;
  const [start, end] = [Number(search.get('start')), Number(search.get('end'))];
  assert.equal(end - start, 5 * 60_000_000 + 1000, 'the 5 minutes before the trace ended (and its last ms)');
  assert.ok(end >= root.startTime + root.duration);
  // The trace alone in its window: every span is the median of one.
  assert.deepEqual(body.ranks[STRIPE], {
    text: 'p50 of 1',
    title: 'longer than 50.0% of the 1 spans of this operation in the 5 min before this trace',
  });
  assert.equal(Object.keys(body.ranks).length, typical.length);
  assert.match(body.note, /^in the 1 traces of this route in the 5 min before it/);

  // Alone in its window, it has no typical trace to be compared with: a 404 that says how to give one.
  const alone = await app.inject(`/trace/${trace.traceID}/compare`);
  assert.equal(alone.statusCode, 404);
  assert.match(alone.body, /No other trace of this route in the 5 min before it to compare with; give one: \?with=&lt;trace id>/);

  jaeger.search = 'refuse';
  assert.equal((await app.inject(`/trace/${trace.traceID}/compare`)).statusCode, 503, 'the search for a typical trace refused');
  const refused = (await app.inject(`/trace/${trace.traceID}/ranks`)).json() as { note: string; ranks: object };
  assert.match(refused.note, /^\(not available: Jaeger/);
  assert.deepEqual(refused.ranks, {});
});
