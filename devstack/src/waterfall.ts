import type { TraceSpan } from './jaeger.js';

export interface WaterfallOptions {
  /** Every span, Fastify's included; default: the hops, the queries and outbound calls. */
  all?: boolean;
  /** Width of the bars in characters. */
  width?: number;
}

/**
 * One trace drawn as a waterfall for a terminal (the lesson's Gantt chart), with the answer to
 * "which part should I speed up first?". Returns the lines to print.
 */
export function renderWaterfall(traceId: string, spans: TraceSpan[], options: WaterfallOptions = {}): string[] {
  const kindOf = (s: TraceSpan) => s.kind ?? 'internal';
  /** What a reader needs: the hops, the queries and outbound calls; not Fastify's plumbing. */
  const interesting = (s: TraceSpan) => options.all || (kindOf(s) !== 'internal' && s.name !== 'pg-pool.connect');
  const label = (s: TraceSpan): string => {
    if (s.tags['db.query.text']) return `SQL ${String(s.tags['db.query.text']).replace(/\s+/g, ' ').slice(0, 48)}`;
    if (kindOf(s) === 'client' && s.tags['url.full']) {
      const url = new URL(String(s.tags['url.full']));
      const peer = spans.find((c) => c.parentSpanId === s.spanId && kindOf(c) === 'server');
      // A call to one of ours is named by the route it reached; any other by its host.
      return `→ ${peer ? `${peer.service} ${String(peer.tags['http.route'] ?? url.pathname)}` : `${url.host} ${url.pathname}`}`;
    }
    return s.name;
  };

  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const root = spans.find((s) => !s.parentSpanId || !byId.has(s.parentSpanId))!;
  const t0 = root.startTime;
  const total = root.duration;
  const width = options.width ?? 60;
  const bar = (s: TraceSpan) => {
    const from = Math.min(Math.floor(((s.startTime - t0) / total) * width), width - 1);
    const len = Math.max(1, Math.round((s.duration / total) * width));
    return ' '.repeat(from) + '█'.repeat(Math.min(len, width - from)).padEnd(width - from);
  };
  const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
  const status = (s: TraceSpan) => (s.tags['otel.status_code'] === 'ERROR' ? ` ✗ ${String(s.tags['error.type'] ?? 'error')}` : '');
  // Depth counted over the spans shown, so hidden plumbing does not indent the chart.
  const shownDepth = (s: TraceSpan): number => {
    let depth = 0;
    for (let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) {
      if (interesting(p)) depth++;
    }
    return depth;
  };
  const ordered: TraceSpan[] = [];
  const walk = (s: TraceSpan) => {
    if (interesting(s) || s === root) ordered.push(s);
    for (const c of spans.filter((x) => x.parentSpanId === s.spanId).sort((a, b) => a.startTime - b.startTime)) walk(c);
  };
  walk(root);

  const lines = [
    `trace ${traceId}: ${root.service} "${root.name}" ${ms(total)}, ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services`,
    '',
    `${'service'.padEnd(9)} ${'span'.padEnd(58)} ${'start'.padStart(9)} ${'duration'.padStart(10)}  0${' '.repeat(width - 2)}${ms(total)}`,
  ];
  for (const s of ordered) {
    const name = `${'  '.repeat(shownDepth(s))}${label(s)}`.slice(0, 58).padEnd(58);
    lines.push(`${s.service.padEnd(9)} ${name} ${ms(s.startTime - t0).padStart(9)} ${ms(s.duration).padStart(10)}  ${bar(s)}${status(s)}`);
  }

  // The bottleneck: the slowest leaf (a query, the Stripe call, an uninstrumented dependency) is
  // time no amount of tuning elsewhere gets back; a slow span with fast children is our own code.
  const leaves = spans.filter((s) => kindOf(s) === 'client' && !spans.some((c) => c.parentSpanId === s.spanId));
  const slowest = leaves.sort((a, b) => b.duration - a.duration)[0];
  if (slowest) {
    const share = ((slowest.duration / total) * 100).toFixed(0);
    const perService = new Map<string, number>();
    for (const s of spans.filter((x) => kindOf(x) === 'server')) perService.set(s.service, (perService.get(s.service) ?? 0) + s.duration);
    const summary = [...perService]
      .sort((a, b) => b[1] - a[1])
      .map(([service, us]) => `${service} ${ms(us)}`)
      .join(', ');
    lines.push(
      '',
      `slowest dependency call: ${slowest.service} ${label(slowest)}: ${ms(slowest.duration)}, ${share}% of the request`,
      `time inside each service (SERVER spans): ${summary}`,
      `fix first: ${slowest.service}, the part that waits on ${label(slowest).replace(/^→ /, '')}`,
    );
  }
  return lines;
}
