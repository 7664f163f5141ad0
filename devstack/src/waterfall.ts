import type { TraceSpan } from './jaeger.js';
import {
  analyzeTrace,
  attributedSpan,
  criticalSpanIds,
  indexSpans,
  isPlumbing,
  targetOf,
  verdictForTrace,
  type TraceAnalysis,
  type TraceIndex,
} from './detective/index.js';

export interface WaterfallOptions {
  /** Every span, Fastify's included; default: the hops, the queries and outbound calls. */
  all?: boolean;
  /** Width of the bars in characters. */
  width?: number;
}

const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

/** What a row is called: the SQL of a query, where a call went, else the span's name. */
function label(s: TraceSpan, index: TraceIndex): string {
  if (s.tags['db.query.text']) return `SQL ${String(s.tags['db.query.text']).replace(/\s+/g, ' ').slice(0, 48)}`;
  const target = s.kind === 'client' ? targetOf(s, index) : undefined;
  return target ? `→ ${target}` : s.name;
}

/**
 * Self time as a row shows it: with Fastify's plumbing hidden, the route's row carries the
 * plumbing's self time too (the detective counts it there), so the hidden rows' time is not lost.
 */
function shownSelfTimes(analysis: TraceAnalysis, index: TraceIndex, shown: (s: TraceSpan) => boolean): Map<string, number> {
  const self = new Map(analysis.selfTimes);
  for (const s of index.spans) {
    if (shown(s)) continue;
    const into = attributedSpan(s, index);
    if (into !== s && shown(into)) self.set(into.spanId, (self.get(into.spanId) ?? 0) + (analysis.selfTimes.get(s.spanId) ?? 0));
  }
  return self;
}

/** The part under the chart: the verdict, the critical path by service, the waits around each hop. */
function summary(analysis: TraceAnalysis, index: TraceIndex): string[] {
  const byService = analysis.onPath.services.map((s) => `${s.service} ${ms(s.us)} (${Math.round(s.share * 100)}%)`).join(', ');
  const lines = ['', `verdict: ${verdictForTrace(analysis).sentence}`, `critical path by service: ${byService}`];
  if (analysis.hops.length > 0) {
    lines.push('waits around each hop (caller → callee: before the callee started, after it finished; pool queueing and the network):');
    for (const hop of analysis.hops) {
      const name = `${hop.client.service} → ${targetOf(hop.client, index) ?? hop.server.service}`;
      lines.push(`  ${name.padEnd(56)} ${ms(hop.before).padStart(9)} before ${ms(hop.after).padStart(9)} after`);
    }
  }
  return lines;
}

/**
 * One trace drawn as a waterfall for a terminal (the lesson's Gantt chart), with the critical path
 * marked and the answer to "which part should I speed up first?". Returns the lines to print.
 */
export function renderWaterfall(traceId: string, spans: TraceSpan[], options: WaterfallOptions = {}): string[] {
  const index = indexSpans(spans);
  const root = index.root;
  if (!root) return [`trace ${traceId}: no spans`];
  const analysis = analyzeTrace(spans);
  const onPath = criticalSpanIds(analysis.criticalPath, index);
  /** What a reader needs: the hops, queries, outbound calls and recorded steps; not Fastify's plumbing. */
  const interesting = (s: TraceSpan) => options.all || s === root || (!isPlumbing(s) && s.name !== 'pg-pool.connect');
  const self = options.all ? analysis.selfTimes : shownSelfTimes(analysis, index, interesting);

  const t0 = root.startTime;
  const total = root.duration || 1;
  const width = options.width ?? 60;
  const bar = (s: TraceSpan) => {
    const from = Math.max(0, Math.min(Math.floor(((s.startTime - t0) / total) * width), width - 1));
    const len = Math.max(1, Math.round((s.duration / total) * width));
    return ' '.repeat(from) + (onPath.has(s.spanId) ? '▓' : '░').repeat(Math.min(len, width - from)).padEnd(width - from);
  };
  const status = (s: TraceSpan) => (s.tags['otel.status_code'] === 'ERROR' ? ` ✗ ${String(s.tags['error.type'] ?? 'error')}` : '');
  // Depth counted over the spans shown, so hidden plumbing does not indent the chart.
  const shownDepth = (s: TraceSpan): number => {
    let depth = 0;
    for (let p = s.parentSpanId ? index.byId.get(s.parentSpanId) : undefined; p; p = p.parentSpanId ? index.byId.get(p.parentSpanId) : undefined) {
      if (interesting(p)) depth++;
    }
    return depth;
  };
  const ordered: TraceSpan[] = [];
  const walk = (s: TraceSpan) => {
    if (interesting(s)) ordered.push(s);
    for (const c of index.children.get(s.spanId) ?? []) walk(c);
  };
  walk(root);

  const lines = [
    `trace ${traceId}: ${root.service} "${root.name}" ${ms(root.duration)}, ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services`,
    `▓ / * on the critical path (what the request waited on, end to end); ░ off it (ran alongside something slower); self: time in no child span`,
    '',
    `${'service'.padEnd(9)}   ${'span'.padEnd(58)} ${'start'.padStart(9)} ${'duration'.padStart(10)} ${'self'.padStart(9)}  0${' '.repeat(Math.max(0, width - 2))}${ms(root.duration)}`,
  ];
  for (const s of ordered) {
    const name = `${'  '.repeat(shownDepth(s))}${label(s, index)}`.slice(0, 58).padEnd(58);
    const mark = onPath.has(s.spanId) ? '*' : ' ';
    lines.push(
      `${s.service.padEnd(9)} ${mark} ${name} ${ms(s.startTime - t0).padStart(9)} ${ms(s.duration).padStart(10)} ${ms(self.get(s.spanId) ?? 0).padStart(9)}  ${bar(s)}${status(s)}`,
    );
  }
  return [...lines, ...summary(analysis, index)];
}
