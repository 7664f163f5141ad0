import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describeTrace, type TraceSpan } from './jaeger.js';

/** What the trace tests assert again and again about a trace from Jaeger. */
export const SERVICES = ['auth', 'balance', 'gateway', 'payments'];
export const isError = (s: TraceSpan) => s.tags['otel.status_code'] === 'ERROR';
export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/** One root, and every other span's parent is in the trace. */
export function assertWellFormed(spans: TraceSpan[]): TraceSpan {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => s.parentSpanId === undefined);
  assert.equal(roots.length, 1, `exactly one root span:\n${describeTrace(spans)}`);
  const orphans = spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId));
  assert.deepEqual(
    orphans.map((s) => `${s.service} ${s.name}`),
    [],
    `no orphan spans:\n${describeTrace(spans)}`,
  );
  return roots[0]!;
}
