/**
 * A trace as the rows of a waterfall (the lesson's Gantt): which spans a reader needs, in call
 * order, how deep each sits, what it is called, its self time and its stretches of the critical
 * path. Shared by the terminal waterfall and the web UI's chart, so both draw the same picture.
 */
import type { TraceSpan } from './jaeger-client.js';
import { criticalSpanIds, type TraceAnalysis } from './analysis.js';
import { attributedSpan, isPlumbing, targetOf, type TraceIndex } from './spans.js';

export interface WaterfallRow {
  span: TraceSpan;
  /** Depth among the rows shown (hidden plumbing does not indent). */
  depth: number;
  /** The SQL of a query, `→ <target>` for a call, else the span's name. */
  label: string;
  /** Whether the critical path goes through this span (it, or a descendant, holds a segment). */
  onPath: boolean;
  /** µs in no child span; with plumbing hidden, the route's row carries the plumbing's too. */
  selfUs: number;
  /** The stretches of the critical path this row itself was the work (µs since the epoch). */
  pathSegments: Array<{ start: number; end: number }>;
  /** `error.type` (or "error") when the span's status is ERROR. */
  error: string | undefined;
}

export interface RowOptions {
  /** Every span, Fastify's plumbing and pool checkouts included; default: the ones a reader needs. */
  all?: boolean;
}

/** What a row is called: the SQL of a query, where a call went, else the span's name. */
export function rowLabel(s: TraceSpan, index: TraceIndex): string {
  if (s.tags['db.query.text']) return `SQL ${String(s.tags['db.query.text']).replace(/\s+/g, ' ').trim()}`;
  const target = s.kind === 'client' ? targetOf(s, index) : undefined;
  return target ? `→ ${target}` : s.name;
}

/** The rows, depth first from the root, children by start time. */
export function waterfallRows(analysis: TraceAnalysis, index: TraceIndex, options: RowOptions = {}): WaterfallRow[] {
  const root = index.root;
  if (!root) return [];
  const shown = (s: TraceSpan) => options.all === true || s === root || (!isPlumbing(s) && s.name !== 'pg-pool.connect');
  // A hidden span's self time and path segments are drawn on the row it is counted against.
  const rowOf = (s: TraceSpan): TraceSpan => {
    if (shown(s)) return s;
    const into = attributedSpan(s, index);
    return shown(into) ? into : s;
  };
  const self = new Map<string, number>();
  for (const s of index.spans) {
    const into = rowOf(s).spanId;
    self.set(into, (self.get(into) ?? 0) + (analysis.selfTimes.get(s.spanId) ?? 0));
  }
  const segments = new Map<string, Array<{ start: number; end: number }>>();
  for (const seg of analysis.criticalPath) {
    const into = rowOf(seg.span).spanId;
    segments.set(into, [...(segments.get(into) ?? []), { start: seg.start, end: seg.end }]);
  }
  const onPath = criticalSpanIds(analysis.criticalPath, index);

  const rows: WaterfallRow[] = [];
  const walk = (s: TraceSpan, depth: number) => {
    const visible = shown(s);
    if (visible) {
      const failed = s.tags['otel.status_code'] === 'ERROR';
      rows.push({
        span: s,
        depth,
        label: rowLabel(s, index),
        onPath: onPath.has(s.spanId),
        selfUs: self.get(s.spanId) ?? 0,
        pathSegments: segments.get(s.spanId) ?? [],
        error: failed ? String(s.tags['error.type'] ?? 'error') : undefined,
      });
    }
    for (const c of index.children.get(s.spanId) ?? []) walk(c, visible ? depth + 1 : depth);
  };
  walk(root, 0);
  return rows;
}
