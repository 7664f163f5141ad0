/**
 * Slow against the rest (after Honeycomb's BubbleUp): split a window's traces at a latency
 * threshold and rank every value the traces carry (resource and span attributes, flag variants,
 * the operations present, error types, pool waits, span events) by how much more common it is
 * among the slow ones than among the others, with a 95% interval on the difference. Pure functions.
 */
import type { TraceSpan } from './jaeger-client.js';
import { indexSpans, operationLabel, rootOf } from './spans.js';

/** What a feature is, for the reader (and for filtering). */
export type FeatureKind = 'resource' | 'attribute' | 'flag' | 'operation' | 'error' | 'pool' | 'event';

/** One value a trace carries, e.g. `{ kind: 'attribute', key: 'gateway paytrace.account.id', value: 'acct_hot' }`. */
export interface Feature {
  kind: FeatureKind;
  key: string;
  value: string;
  /** The value is an order of magnitude of a numeric attribute, not one value. */
  range?: boolean;
}

/** One value's counts on each side and how much more common it is among the slow traces. */
export interface ContrastRow extends Feature {
  slowCount: number;
  slowTotal: number;
  restCount: number;
  restTotal: number;
  slowShare: number;
  restShare: number;
  /** slowShare − restShare. */
  difference: number;
  /** A 95% interval on the difference (Newcombe's hybrid score interval, from two Wilson intervals). */
  interval: [number, number];
}

/** Which traces are slow: those lasting more than `aboveMs`, or those within [fromMs, toMs] (a range brushed on the heatmap). */
export type SlowSelection = { aboveMs: number } | { fromMs: number; toMs: number };

export interface SlowVsRestOptions {
  /** Which traces are slow (default: longer than the window's `quantile` of root durations). */
  slow?: SlowSelection;
  /** The default threshold's quantile of root durations (default 0.9: the slowest tenth). */
  quantile?: number;
  /**
   * A value seen in fewer traces than this is left out (default 2): a value only one trace
   * carries (an id, a timestamp) says nothing about what slow traces share. So is a value every
   * trace carries.
   */
  minTraces?: number;
  /**
   * A numeric attribute with more than 12 distinct values (a count, an amount) is counted by order
   * of magnitude (`≥10000 <100000`), not value by value (default true).
   */
  numericRanges?: boolean;
}

export interface SlowVsRest {
  /** The split used (with the quantile the threshold was taken at, when it was not given). */
  slow: SlowSelection & { quantile?: number };
  slowTotal: number;
  restTotal: number;
  /** Most telling first: by the interval's lower bound, then the difference. */
  rows: ContrastRow[];
}

/**
 * Attributes left out, with why: ids and values unique to a request (they would each appear in
 * one trace), a query's text (its operation is already a feature), ephemeral ports, a query's
 * wait attributes (recorded only for slow queries: their duration in other words). Matched on the
 * attribute key alone, on spans and resources alike.
 */
export const EXCLUDED_ATTRIBUTES: ReadonlyArray<{ key: RegExp; why: string }> = [
  { key: /^paytrace\.payment\.id$/, why: 'one per payment' },
  { key: /(^|\.)(trace|span)_?id$/i, why: 'one per trace or span' },
  { key: /^url\.(full|path|query)$/, why: 'paths carry payment ids (capture, release)' },
  { key: /^(client|network\.local|network\.peer|source)\.port$/, why: 'an ephemeral port per connection' },
  { key: /^db\.query\.text$/, why: 'the query is already its operation' },
  {
    key: /^(span\.kind|otel\.scope\.(name|version)|otel\.status_description|internal\.span\.format)$/,
    why: 'how the span was recorded, not the request',
  },
  { key: /(^|\.)(timestamp|time|start_time|end_time)$/i, why: 'a point in time' },
  { key: /idempotency/i, why: 'one per request' },
  {
    // A query's wait attributes are recorded only once it has run past a threshold (5 ms by
    // default), so every one of them, even what it waited on, says "this query was slow": ranked,
    // they would lead whenever the slow requests are slow in the database, and say nothing the
    // duration does not. The verdict reads them instead (lock waits and their holder).
    key: /^paytrace\.db\.wait\./,
    why: 'recorded only for a query past a duration threshold: its slowness again',
  },
];

const excluded = (key: string): boolean => EXCLUDED_ATTRIBUTES.some((e) => e.key.test(key));

/** Longer values are cut in the rows (a stack trace as error message, say). */
const MAX_VALUE_LENGTH = 120;

const asValue = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (text.length === 0) return undefined;
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
};

const featureId = (f: Feature): string => `${f.kind}\u0000${f.key}\u0000${f.value}`;

/** Every value one trace carries, once each. */
export function traceFeatures(spans: TraceSpan[]): Feature[] {
  const found = new Map<string, Feature>();
  const add = (kind: FeatureKind, key: string, raw: unknown) => {
    const value = asValue(raw);
    if (value === undefined) return;
    const f = { kind, key, value };
    found.set(featureId(f), f);
  };
  const index = indexSpans(spans);
  for (const s of spans) {
    for (const [key, value] of Object.entries(s.resource ?? {})) if (!excluded(key)) add('resource', `${s.service} ${key}`, value);
    for (const [key, value] of Object.entries(s.tags)) {
      // A pool's name and size are the pool-wait feature's (below).
      if (excluded(key) || key.startsWith('paytrace.pool.')) continue;
      if (key === 'error.type') add('error', `${s.service} error.type`, value);
      else if (key === 'otel.status_code') add('error', `${s.service} status`, value);
      else add('attribute', `${s.service} ${key}`, value);
    }
    // A pool's wait span is a feature of its own kind, not an operation: "waited for a connection".
    if (s.tags['paytrace.pool.name'] !== undefined) add('pool', 'waited for a connection', `${s.service} ${String(s.tags['paytrace.pool.name'])}`);
    else add('operation', 'present', operationLabel(s, index));
    for (const log of s.logs) {
      if (log.event === 'feature_flag.evaluation' && typeof log['feature_flag.key'] === 'string') {
        add('flag', String(log['feature_flag.key']), log['feature_flag.result.variant'] ?? log['feature_flag.result.value']);
      } else if (typeof log.event === 'string') {
        add('event', `${s.service} event`, log.event);
      }
    }
  }
  return [...found.values()];
}

/**
 * Wilson's score interval for a proportion (95%): unlike p ± 1.96·√(p(1−p)/n) it stays within
 * [0, 1] and is wide when n is small, so 2 of 2 does not read as a certainty.
 */
export function wilsonInterval(count: number, total: number, z = 1.96): [number, number] {
  if (total === 0) return [0, 1];
  const p = count / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z / (1 + z2 / total)) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * A 95% interval for p1 − p2 by Newcombe's hybrid score method (his method 10, Statistics in
 * Medicine 1998): combines the two Wilson intervals, so it behaves at small counts and near 0 or 1.
 */
export function differenceInterval(a: number, n1: number, b: number, n2: number): [number, number] {
  const p1 = n1 ? a / n1 : 0;
  const p2 = n2 ? b / n2 : 0;
  const [l1, u1] = wilsonInterval(a, n1);
  const [l2, u2] = wilsonInterval(b, n2);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}

/** A numeric attribute with more distinct values than this is counted by order of magnitude (SlowVsRestOptions.numericRanges). */
const MAX_NUMERIC_VALUES = 12;

/** The order of magnitude a number is in, as a value: `0`, `≥10000 <100000`, `>-100 ≤-10`. */
export function magnitudeOf(v: number): string {
  if (v === 0) return '0';
  const k = Math.floor(Math.log10(Math.abs(v)));
  const [lo, hi] = [10 ** k, 10 ** (k + 1)].map((x) => Number(x.toPrecision(12)));
  return v > 0 ? `≥${lo} <${hi}` : `>-${hi} ≤-${lo}`;
}

/**
 * Numeric attributes with many values (a count, an amount) by order of magnitude: each value
 * alone is in a trace or two and says nothing, but "tens of thousands of holds" may. Orders of
 * magnitude, not quantiles: a counter that grows during the window would otherwise be cut into
 * spans of time. A trace's features stay unique.
 */
function inRanges(perTrace: Feature[][], enabled: boolean): Feature[][] {
  if (!enabled) return perTrace;
  const values = new Map<string, Set<string>>();
  const numeric = new Map<string, boolean>();
  for (const features of perTrace) {
    for (const f of features) {
      if (f.kind !== 'attribute' && f.kind !== 'resource') continue;
      const id = `${f.kind}\u0000${f.key}`;
      numeric.set(id, (numeric.get(id) ?? true) && f.value.trim() !== '' && Number.isFinite(Number(f.value)));
      values.set(id, (values.get(id) ?? new Set()).add(f.value));
    }
  }
  const ranged = new Set([...values].filter(([id, distinct]) => numeric.get(id) && distinct.size > MAX_NUMERIC_VALUES).map(([id]) => id));
  if (ranged.size === 0) return perTrace;
  return perTrace.map((features) => {
    const found = new Map<string, Feature>();
    for (const f of features) {
      const g = ranged.has(`${f.kind}\u0000${f.key}`) ? { ...f, value: magnitudeOf(Number(f.value)), range: true } : f;
      found.set(featureId(g), g);
    }
    return [...found.values()];
  });
}

/** The q-quantile of the values by nearest rank (the ⌈n·q⌉-th smallest), as the verdict's percentiles. */
const nearestRank = (sorted: number[], q: number): number => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(sorted.length * q))) - 1]!;

/** A trace's duration in ms: its root span's. */
export const traceDurationMs = (spans: TraceSpan[]): number | undefined => {
  const root = rootOf(spans);
  return root ? root.duration / 1000 : undefined;
};

/** Splits the traces into slow and the rest, and ranks every value by how much more common it is among the slow. */
export function slowVsRest(traces: TraceSpan[][], options: SlowVsRestOptions = {}): SlowVsRest {
  const timed = traces.flatMap((spans) => {
    const ms = traceDurationMs(spans);
    return ms === undefined ? [] : [{ spans, ms }];
  });
  const quantile = options.quantile ?? 0.9;
  const sorted = timed.map((t) => t.ms).sort((a, b) => a - b);
  const split = options.slow ?? { aboveMs: sorted.length ? nearestRank(sorted, quantile) : 0 };
  const isSlow = 'aboveMs' in split ? (ms: number) => ms > split.aboveMs : (ms: number) => ms >= split.fromMs && ms <= split.toMs;

  const perTrace = inRanges(
    timed.map((t) => traceFeatures(t.spans)),
    options.numericRanges ?? true,
  );
  const counts = new Map<string, { feature: Feature; slow: number; rest: number }>();
  let slowTotal = 0;
  for (const [i, { ms }] of timed.entries()) {
    const slow = isSlow(ms);
    if (slow) slowTotal++;
    for (const feature of perTrace[i]!) {
      const id = featureId(feature);
      const c = counts.get(id) ?? { feature, slow: 0, rest: 0 };
      if (slow) c.slow++;
      else c.rest++;
      counts.set(id, c);
    }
  }
  const restTotal = timed.length - slowTotal;
  const minTraces = options.minTraces ?? 2;
  const rows: ContrastRow[] = [];
  for (const { feature, slow, rest } of counts.values()) {
    // Too rare to say anything, or on every trace (a host, a version): nothing that tells them apart.
    if (slow + rest < minTraces || (slow === slowTotal && rest === restTotal)) continue;
    const slowShare = slowTotal ? slow / slowTotal : 0;
    const restShare = restTotal ? rest / restTotal : 0;
    rows.push({
      ...feature,
      slowCount: slow,
      slowTotal,
      restCount: rest,
      restTotal,
      slowShare,
      restShare,
      difference: slowShare - restShare,
      interval: differenceInterval(slow, slowTotal, rest, restTotal),
    });
  }
  // Ties (the same traces): one exact value before a range of values.
  rows.sort(
    (a, b) =>
      b.interval[0] - a.interval[0] ||
      b.difference - a.difference ||
      b.slowCount - a.slowCount ||
      Number(a.range ?? false) - Number(b.range ?? false),
  );
  return {
    slow: options.slow ?? { ...split, quantile },
    slowTotal,
    restTotal,
    rows,
  };
}

/** A row as one line: `gateway paytrace.account.id = acct_hot   40/45 slow (89%) vs 30/400 (8%)  +81% [+70, +88]`. */
export function describeRow(row: ContrastRow): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)}`;
  return `${row.key} = ${row.value}: ${row.slowCount}/${row.slowTotal} slow (${pct(row.slowShare)}) vs ${row.restCount}/${row.restTotal} (${pct(row.restShare)}), ${signed(row.difference)} points [${signed(row.interval[0])}, ${signed(row.interval[1])}]`;
}
