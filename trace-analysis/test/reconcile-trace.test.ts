/**
 * A reconciliation run's trace (issue 19): its root is the gateway's INTERNAL `reconcile payment`
 * span, linked (FOLLOWS_FROM) to the payment's request in another trace. The detective reads it as
 * any trace: the run is the root, its calls to payments and balance are the hops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeTrace, indexSpans, toMermaidGantt, verdictForTrace, waterfallRows } from '../src/index.js';
import { toSpans } from '../src/jaeger-client.js';

const spans = toSpans(JSON.parse(readFileSync(new URL('./fixtures/reconcile-trace.jaeger.json', import.meta.url), 'utf8')));

test('the run is the root: the critical path covers it exactly, through both calls', () => {
  const analysis = analyzeTrace(spans);
  assert.equal(analysis.root.name, 'reconcile payment');
  assert.equal(analysis.root.kind, 'internal');
  assert.equal(analysis.traceId, '5c0be1d3a8f24e6b9d7e0a41f2c3b685');
  assert.equal(analysis.failed, false);
  const path = analysis.criticalPath;
  assert.equal(path[0]!.start, analysis.root.startTime);
  assert.equal(path.at(-1)!.end, analysis.root.startTime + analysis.root.duration);
  for (let i = 1; i < path.length; i++) assert.equal(path[i]!.start, path[i - 1]!.end);
  assert.deepEqual(analysis.onPath.services.map((s) => s.service).sort(), ['balance', 'gateway', 'payments']);
});

test("hop waits: the run's two calls, into payments and balance", () => {
  const analysis = analyzeTrace(spans);
  assert.deepEqual(
    analysis.hops.map((h) => `${h.client.service} → ${h.server.service} ${h.server.name}`),
    ['gateway → payments GET /v1/charges/:payment_id', 'gateway → balance POST /v1/holds/:hold_key/capture'],
  );
  for (const h of analysis.hops) assert.ok(h.before > 0 && h.after > 0);
  // A GET then a POST that depends on it: not independent reads to run at once.
  assert.equal(analysis.sequentialReads, undefined);
});

test("the verdict, the rows and the Mermaid chart: the run's own time is its step, not a request handler's", () => {
  const analysis = analyzeTrace(spans);
  const rows = waterfallRows(analysis, indexSpans(spans));
  assert.equal(rows[0]!.span.name, 'reconcile payment');
  assert.equal(rows[0]!.depth, 0);
  assert.ok(rows.every((r) => r.onPath));
  const gateway = analysis.onPath.operations.find((o) => o.service === 'gateway' && o.operation === 'reconcile payment');
  assert.equal(gateway?.category, 'internal');
  assert.match(verdictForTrace(analysis).sentence, /^No bottleneck stands out over 1 trace/);
  // When the run's own time dominates, the verdict names it as the gateway's step.
  const slowRoot = spans.map((s) => (s.parentSpanId ? s : { ...s, duration: s.duration * 20 }));
  assert.match(verdictForTrace(analyzeTrace(slowRoot)).sentence, /^gateway's step "reconcile payment" is 9\d% of the critical path/);
  assert.match(toMermaidGantt(spans), /^gantt\ntitle Request trace for reconcile payment\n[\s\S]*section gateway\nreconcile payment :crit, 0, 22\n/);
});
