/**
 * A slow trace against a typical one of the same route: both aligned by operation, and the
 * difference in each operation's critical-path time, largest extra first. What a reader asks of
 * a slow request: where did the extra time go? Pure functions; times are Jaeger's microseconds.
 */
import type { TraceSearch, TraceSpan } from './jaeger-client.js';
import { criticalPath } from './analysis.js';
import { attributedSpan, indexSpans, operationKey, operationLabel, operationOf, rootOf, type Operation, type TraceIndex } from './spans.js';
import { median } from './statistics.js';

/** One operation (one occurrence of it) in the two traces. */
export interface OperationDifference extends Operation {
  /** e.g. `payments POST → 127.0.0.1:12111/v1/charges`. */
  label: string;
  /** 1 for the operation's first span in its trace, 2 for the second (repeated operations are matched in order). */
  occurrence: number;
  /** µs of the slow trace's critical path this operation was the work; 0 when it is not on the path. */
  slowUs: number;
  typicalUs: number;
  /** slowUs − typicalUs: what it added to the slow trace (negative: it saved time). */
  extraUs: number;
  /** The span it is in each trace; undefined where the trace has no such span (an operation in one trace only). */
  slowSpanId: string | undefined;
  typicalSpanId: string | undefined;
}

export interface TraceComparison {
  slow: { traceId: string; duration: number };
  typical: { traceId: string; duration: number };
  /** The slow trace's duration minus the typical one's, µs (the differences add up to it). */
  extraUs: number;
  /** Largest extra time first; operations on neither critical path are left out. */
  differences: OperationDifference[];
}

interface Occurrence {
  span: TraceSpan;
  op: Operation;
  key: string;
  occurrence: number;
  us: number;
}

/**
 * Every span an operation's time is counted against (plumbing folds into its route's SERVER span,
 * as in the verdict), in start order, numbered within its operation, with its critical-path µs.
 */
function occurrencesOf(spans: TraceSpan[]): { index: TraceIndex; list: Occurrence[]; duration: number; traceId: string } {
  const index = indexSpans(spans);
  if (!index.root) throw new Error('compareTraces: a trace with no spans');
  const onPath = new Map<string, number>();
  for (const seg of criticalPath(spans)) {
    const into = attributedSpan(seg.span, index).spanId;
    onPath.set(into, (onPath.get(into) ?? 0) + seg.end - seg.start);
  }
  const targets = new Map<string, TraceSpan>();
  for (const s of spans) {
    const into = attributedSpan(s, index);
    targets.set(into.spanId, into);
  }
  const seen = new Map<string, number>();
  const list = [...targets.values()]
    .sort((a, b) => a.startTime - b.startTime || a.spanId.localeCompare(b.spanId))
    .map((span) => {
      const op = operationOf(span, index);
      const key = operationKey(op);
      const occurrence = (seen.get(key) ?? 0) + 1;
      seen.set(key, occurrence);
      return { span, op, key, occurrence, us: onPath.get(span.spanId) ?? 0 };
    });
  return { index, list, duration: index.root.duration, traceId: index.root.traceId };
}

/**
 * The slow trace against the typical one: each operation's critical-path time in both, matched by
 * service, name and target (the n-th call to Stripe with the n-th), sorted by the extra time in
 * the slow one, largest first. An operation present in one trace only counts 0 in the other.
 */
export function compareTraces(slow: TraceSpan[], typical: TraceSpan[]): TraceComparison {
  const a = occurrencesOf(slow);
  const b = occurrencesOf(typical);
  const rows = new Map<string, OperationDifference>();
  const row = (o: Occurrence, index: TraceIndex) => {
    const id = `${o.key}\u0000${o.occurrence}`;
    const existing = rows.get(id);
    if (existing) return existing;
    const { service, operation, target, category } = o.op;
    const created: OperationDifference = {
      service,
      operation,
      ...(target ? { target } : {}),
      category,
      label: operationLabel(o.span, index),
      occurrence: o.occurrence,
      slowUs: 0,
      typicalUs: 0,
      extraUs: 0,
      slowSpanId: undefined,
      typicalSpanId: undefined,
    };
    rows.set(id, created);
    return created;
  };
  for (const o of a.list) Object.assign(row(o, a.index), { slowUs: o.us, slowSpanId: o.span.spanId });
  for (const o of b.list) Object.assign(row(o, b.index), { typicalUs: o.us, typicalSpanId: o.span.spanId });
  const differences = [...rows.values()]
    .map((d) => ({ ...d, extraUs: d.slowUs - d.typicalUs }))
    .filter((d) => d.slowUs > 0 || d.typicalUs > 0)
    .sort((x, y) => y.extraUs - x.extraUs || y.slowUs - x.slowUs);
  return {
    slow: { traceId: a.traceId, duration: a.duration },
    typical: { traceId: b.traceId, duration: b.duration },
    extraUs: a.duration - b.duration,
    differences,
  };
}

/**
 * The typical trace of a set (one route's, in a window): the one whose duration is closest to the
 * median (ties: the earlier-listed). Failed requests are the caller's to leave out. `exclude`: a
 * trace id not to pick (the slow trace itself).
 */
export function typicalTrace<T extends { traceId: string; duration: number }>(traces: readonly T[], exclude?: string): T | undefined {
  const candidates = traces.filter((t) => t.traceId !== exclude);
  if (candidates.length === 0) return undefined;
  const mid = median(candidates.map((t) => t.duration));
  return candidates.reduce((best, t) => (Math.abs(t.duration - mid) < Math.abs(best.duration - mid) ? t : best));
}

export interface RouteWindowOptions {
  /** How far back from the trace's end the window reaches, ms (default 5 minutes). */
  windowMs?: number;
  /** At most this many traces (Jaeger's search limit, the newest first; default 100). */
  limit?: number;
}

/** Default window for "the same route's recent traces": the 5 minutes before the trace ended. */
export const ROUTE_WINDOW_MS = 5 * 60_000;
export const ROUTE_WINDOW_LIMIT = 100;

/** The Jaeger search for a trace's route (its root's service and name) over the window before the trace ended. */
export function routeSearchFor(spans: TraceSpan[], options: RouteWindowOptions = {}): TraceSearch {
  const root = rootOf(spans);
  if (!root) throw new Error('routeSearchFor: a trace with no spans');
  const endMs = Math.ceil((root.startTime + root.duration) / 1000);
  return {
    service: root.service,
    operation: root.name,
    fromMs: endMs - (options.windowMs ?? ROUTE_WINDOW_MS),
    toMs: endMs + 1,
    limit: options.limit ?? ROUTE_WINDOW_LIMIT,
  };
}

const failedRoot = (root: TraceSpan) => root.tags['otel.status_code'] === 'ERROR' || Number(root.tags['http.response.status_code'] ?? 0) >= 500;

/** Among a route's traces, the typical one for `slow`: a request that did not fail, closest to their median duration, not `slow` itself. */
export function typicalAmong(slow: TraceSpan[], candidates: readonly TraceSpan[][]): TraceSpan[] | undefined {
  const slowId = rootOf(slow)?.traceId;
  const roots = candidates.flatMap((spans) => {
    const root = rootOf(spans);
    return root && !failedRoot(root) ? [{ traceId: root.traceId, duration: root.duration, spans }] : [];
  });
  return typicalTrace(roots, slowId)?.spans;
}
