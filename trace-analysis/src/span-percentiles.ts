/**
 * Where a span stands: its duration's percentile rank among the same operation's spans in other
 * traces (a route's recent ones). Pure functions; durations are Jaeger's microseconds.
 */
import type { TraceSpan } from './jaeger-client.js';
import { indexSpans, operationKey, targetOf, type TraceIndex } from './spans.js';

/** What "the same operation" is for a span: its service, its name and what it calls (not its plumbing's route). */
export function spanOperationKey(span: TraceSpan, index: TraceIndex): string {
  const target = targetOf(span, index);
  return operationKey({ service: span.service, operation: span.name, ...(target ? { target } : {}) });
}

/** Each operation's span durations over many traces, sorted ascending: the reference a span is ranked in. */
export type DurationReference = ReadonlyMap<string, readonly number[]>;

export function durationReference(traces: readonly TraceSpan[][]): DurationReference {
  const byKey = new Map<string, number[]>();
  for (const spans of traces) {
    const index = indexSpans(spans);
    for (const s of spans) {
      const key = spanOperationKey(s, index);
      byKey.set(key, [...(byKey.get(key) ?? []), s.duration]);
    }
  }
  for (const list of byKey.values()) list.sort((a, b) => a - b);
  return byKey;
}

export interface SpanPercentile {
  /** 0..100: the share of the reference spans shorter than this one, those of equal duration counting half (the mid-rank). */
  percentile: number;
  /** How many spans of the operation the reference holds. */
  count: number;
}

/** The first position in `sorted` whose value is not below `x` (or ≤ x with `inclusive`). */
function bound(sorted: readonly number[], x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x || (inclusive && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The percentile rank of `duration` in `sorted` (ascending); undefined for an empty reference. */
export function percentileRank(sorted: readonly number[], duration: number): SpanPercentile | undefined {
  if (sorted.length === 0) return undefined;
  const below = bound(sorted, duration, false);
  const equal = bound(sorted, duration, true) - below;
  return { percentile: (100 * (below + equal / 2)) / sorted.length, count: sorted.length };
}

/** Each span of a trace ranked among its operation's spans in the reference (spans with no reference are left out). */
export function spanPercentiles(spans: TraceSpan[], reference: DurationReference): Map<string, SpanPercentile> {
  const index = indexSpans(spans);
  const ranks = new Map<string, SpanPercentile>();
  for (const s of spans) {
    const rank = percentileRank(reference.get(spanOperationKey(s, index)) ?? [], s.duration);
    if (rank) ranks.set(s.spanId, rank);
  }
  return ranks;
}
