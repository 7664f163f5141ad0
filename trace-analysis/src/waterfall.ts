/** One trace as a terminal waterfall (renderWaterfall): the bars, the critical path, the verdict, the waits around each hop. */
import type { TraceSpan } from './jaeger-client.js';
import { analyzeTrace, type TraceAnalysis } from './analysis.js';
import { waterfallRows, type WaterfallRow } from './rows.js';
import { indexSpans, targetOf, type TraceIndex } from './spans.js';
import { verdictForTrace } from './verdict.js';
import { formatMs } from './format.js';

export interface WaterfallOptions {
  /** Every span, Fastify's included; default: the hops, the queries and outbound calls. */
  all?: boolean;
  /** Width of the bars in characters. */
  width?: number;
}

/** The part under the chart: the verdict, the critical path by service, the waits around each hop. */
function summary(analysis: TraceAnalysis, index: TraceIndex): string[] {
  const byService = analysis.onPath.services.map((s) => `${s.service} ${formatMs(s.us)} (${Math.round(s.share * 100)}%)`).join(', ');
  const lines = ['', `verdict: ${verdictForTrace(analysis).sentence}`, `critical path by service: ${byService}`];
  if (analysis.hops.length > 0) {
    lines.push('waits around each hop (caller → callee: before the callee started, after it finished; pool queueing and the network):');
    for (const hop of analysis.hops) {
      const name = `${hop.client.service} → ${targetOf(hop.client, index) ?? hop.server.service}`;
      lines.push(`  ${name.padEnd(56)} ${formatMs(hop.before).padStart(9)} before ${formatMs(hop.after).padStart(9)} after`);
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
  const rows = waterfallRows(analysis, index, { all: options.all ?? false });

  const t0 = root.startTime;
  const total = root.duration || 1;
  const width = options.width ?? 60;
  const bar = (row: WaterfallRow) => {
    const s = row.span;
    const from = Math.max(0, Math.min(Math.floor(((s.startTime - t0) / total) * width), width - 1));
    const len = Math.max(1, Math.round((s.duration / total) * width));
    return ' '.repeat(from) + (row.onPath ? '▓' : '░').repeat(Math.min(len, width - from)).padEnd(width - from);
  };
  const status = (row: WaterfallRow) => (row.error ? ` ✗ ${row.error}` : '');

  const lines = [
    `trace ${traceId}: ${root.service} "${root.name}" ${formatMs(root.duration)}, ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services`,
    `▓ / * on the critical path (what the request waited on, end to end); ░ off it (ran alongside something slower); self: time in no child span`,
    '',
    `${'service'.padEnd(9)}   ${'span'.padEnd(58)} ${'start'.padStart(9)} ${'duration'.padStart(10)} ${'self'.padStart(9)}  0${' '.repeat(Math.max(0, width - 2))}${formatMs(root.duration)}`,
  ];
  for (const row of rows) {
    const s = row.span;
    const name = `${'  '.repeat(row.depth)}${row.label}`.slice(0, 58).padEnd(58);
    const mark = row.onPath ? '*' : ' ';
    lines.push(
      `${s.service.padEnd(9)} ${mark} ${name} ${formatMs(s.startTime - t0).padStart(9)} ${formatMs(s.duration).padStart(10)} ${formatMs(row.selfUs).padStart(9)}  ${bar(row)}${status(row)}`,
    );
  }
  return [...lines, ...summary(analysis, index)];
}
