import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toSpans } from '@paytrace/trace-analysis';
import { renderTracePage } from '../src/views/trace-page.js';
import { axisTicks } from '../src/views/gantt.js';

/** A payment's trace recorded from the real stack (the detective's fixture). */
const spans = toSpans(JSON.parse(readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8')));

/** The chart's rows as the page draws them: `<g class="row…" data-span-id data-service data-kind …>`. */
function chartRows(html: string) {
  const rows = [
    ...html.matchAll(/<g class="(row[^"]*)" data-span-id="([0-9a-f]+)" data-service="([^"]+)" data-kind="([^"]+)"[^>]*>([\s\S]*?)<\/g>/g),
  ];
  return rows.map(([, cls, id, service, kind, body]) => ({
    id,
    service,
    kind,
    onPath: cls!.includes('on-path'),
    critSegments: (body!.match(/class="crit"/g) ?? []).length,
    label: /<text class="label"[^>]*>([^<]*)</.exec(body!)?.[1],
  }));
}

test('the trace page draws every hop of a payment in call order, each on the critical path', () => {
  const html = renderTracePage(spans, { all: false, jaegerUiUrl: undefined });
  const rows = chartRows(html);
  const servers = rows.filter((r) => r.kind === 'server').map((r) => `${r.service} ${r.label}`);
  assert.deepEqual(servers, [
    'gateway POST /process-payment',
    'auth POST /v1/keys/verify',
    'balance POST /v1/holds',
    'payments POST /v1/charges',
    'balance POST /v1/holds/:hold_key/capture',
  ]);
  for (const r of rows.filter((x) => x.kind === 'server' || x.kind === 'client')) {
    assert.ok(r.onPath, `${r.service} ${r.label} is on the critical path (a payment's steps run one after another)`);
  }
  // The red segments cover the root from end to end, drawn on the rows that did the work.
  assert.ok(rows.reduce((n, r) => n + r.critSegments, 0) >= rows.length / 2);
  // Fastify's plumbing is hidden unless asked for; every span is there with ?all=1.
  assert.ok(rows.every((r) => !/^(request|handler - )/.test(r.label ?? '')));
  assert.equal(chartRows(renderTracePage(spans, { all: true, jaegerUiUrl: undefined })).length, spans.length);
});

test('each row links to its span details (attributes and events), the verdict and Mermaid are on the page', () => {
  const html = renderTracePage(spans, { all: false, jaegerUiUrl: 'http://localhost:16686' });
  for (const { id } of chartRows(html)) {
    assert.match(html, new RegExp(`<a href="#span-${id}">`));
    assert.match(html, new RegExp(`<details class="span[^"]*" id="span-${id}">`));
  }
  assert.match(html, /<th>http\.route<\/th>/);
  assert.match(html, /<section class="verdict" id="verdict">/);
  assert.match(html, /<pre id="mermaid">gantt\ntitle Request trace for POST \/process-payment/);
  assert.match(html, new RegExp(`href="http://localhost:16686/trace/${spans[0]!.traceId}"`));
  assert.doesNotMatch(renderTracePage(spans, { all: false, jaegerUiUrl: undefined }), /open in Jaeger UI/);
});

test('what a span recorded is escaped, never markup', () => {
  const hostile = spans.map((s) => (s.parentSpanId === undefined ? { ...s, tags: { ...s.tags, 'user.note': '<script>alert(1)</script>' } } : s));
  const html = renderTracePage(hostile, { all: false, jaegerUiUrl: undefined });
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /&lt;script(>|&gt;)alert\(1\)/);
});

test('the time axis ticks at 1, 2 or 5 × 10ⁿ ms', () => {
  assert.deepEqual(axisTicks(79.5), [0, 20, 40, 60]);
  assert.deepEqual(axisTicks(600), [0, 100, 200, 300, 400, 500, 600]);
  assert.deepEqual(axisTicks(3), [0, 0.5, 1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(axisTicks(0), [0]);
});
