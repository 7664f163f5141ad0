import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { durationReference, spanPercentiles, toSpans, type TraceSpan } from '@paytrace/trace-analysis';
import { renderComparePage } from '../src/views/compare-page.js';
import { renderTracePage } from '../src/views/trace-page.js';

/** A payment's trace recorded from the real stack (the detective's fixture): Stripe's call is span ef7a1fc644161c68, 8.9 ms. */
const typical = toSpans(JSON.parse(readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8')));
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
    /<span class="num rank" title="longer than 83\.3% of the 3 spans of this operation in the 5 min before this trace">p83 of 3<\/span>/,
  );
  assert.match(html, /in the 3 traces of this route in the 5 min before it/);
  // Jaeger's search failing: the page says so instead of ranks.
  const without = renderTracePage(slow, { all: false, jaegerUiUrl: undefined, percentiles: { error: 'Jaeger: timed out' } });
  assert.match(without, /\(not available: Jaeger: timed out\)/);
});
