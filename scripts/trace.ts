/**
 * `npm run trace -- <trace_id>`: one trace from Jaeger's HTTP API, drawn as a waterfall in the
 * terminal (the lesson's Gantt chart), with the answer to "which part should I speed up first?".
 *
 *   npm run trace -- 4bf92f3577b34da6a3ce929d0e0e4736          # hops, SQL and the Stripe call
 *   npm run trace -- 4bf92f3577b34da6a3ce929d0e0e4736 --all    # every span, Fastify's included
 *   JAEGER_URL=http://localhost:16686 npm run trace -- <id>    # another Jaeger (e.g. compose)
 */
import { parseArgs } from 'node:util';
import { stackSettings } from './lib/stack-settings.js';

interface Span {
  id: string;
  parentId: string | undefined;
  service: string;
  name: string;
  kind: string;
  start: number; // µs since the epoch
  duration: number; // µs
  tags: Record<string, unknown>;
}

const { values: options, positionals } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean', default: false } } });
const traceId = positionals[0];
if (!traceId || !/^[0-9a-f]{32}$/.test(traceId)) {
  console.error('usage: npm run trace -- <trace_id (32 hex digits)> [--all]');
  process.exit(2);
}
const jaegerUrl = process.env.JAEGER_URL ?? `http://127.0.0.1:${stackSettings().telemetry.jaegerQuery}`;

// Spans reach Jaeger a few seconds after the request (the SDK exports in batches every
// OTEL_BSP_SCHEDULE_DELAY, 5 s by default), so a fresh trace is waited for.
let res: Response;
for (let waited = 0; ; waited += 500) {
  res = await fetch(`${jaegerUrl}/api/traces/${traceId}`).catch((err: Error) => {
    console.error(`Jaeger is not reachable at ${jaegerUrl}: ${err.message}`);
    process.exit(1);
  });
  if (res.status !== 404) break;
  if (waited >= 15_000) {
    console.error(`Jaeger has no trace ${traceId} (not sampled, or evicted).`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
// Give the last services' batches a moment to land, then read the whole trace.
await new Promise((resolve) => setTimeout(resolve, 1_000));
res = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
const raw = ((await res.json()) as { data: Array<{ spans: any[]; processes: Record<string, { serviceName: string }> }> }).data[0]!;
const spans: Span[] = raw.spans.map((s) => {
  const tags = Object.fromEntries((s.tags as Array<{ key: string; value: unknown }>).map((t) => [t.key, t.value]));
  return {
    id: s.spanID,
    parentId: (s.references as Array<{ refType: string; spanID: string }>).find((r) => r.refType === 'CHILD_OF')?.spanID,
    service: raw.processes[s.processID]!.serviceName,
    name: s.operationName,
    kind: String(tags['span.kind'] ?? 'internal'),
    start: s.startTime,
    duration: s.duration,
    tags,
  };
});

/** What a reader needs: the hops, the queries and outbound calls; not Fastify's plumbing. */
const interesting = (s: Span) => options.all || (s.kind !== 'internal' && s.name !== 'pg-pool.connect');
const label = (s: Span): string => {
  if (s.tags['db.query.text']) return `SQL ${String(s.tags['db.query.text']).replace(/\s+/g, ' ').slice(0, 48)}`;
  if (s.kind === 'client' && s.tags['url.full']) {
    const url = new URL(String(s.tags['url.full']));
    const peer = spans.find((c) => c.parentId === s.id && c.kind === 'server');
    // A call to one of ours is named by the route it reached; any other by its host.
    const target = peer ? `${peer.service} ${peer.tags['http.route'] ?? url.pathname}` : `${url.host} ${url.pathname}`;
    return `→ ${target}`;
  }
  return s.name;
};

const byId = new Map(spans.map((s) => [s.id, s]));
const root = spans.find((s) => !s.parentId || !byId.has(s.parentId))!;
const t0 = root.start;
const total = root.duration;
const width = Math.max(20, Math.min(60, (process.stdout.columns ?? 120) - 80));
const bar = (s: Span) => {
  const from = Math.floor(((s.start - t0) / total) * width);
  const len = Math.max(1, Math.round((s.duration / total) * width));
  return ' '.repeat(Math.min(from, width - 1)) + '█'.repeat(Math.min(len, width - from)).padEnd(width - Math.min(from, width - 1));
};
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
const status = (s: Span) => (s.tags['otel.status_code'] === 'ERROR' ? ` ✗ ${s.tags['error.type'] ?? 'error'}` : '');

// Depth counted over the spans shown, so hidden plumbing does not indent the chart.
const shownDepth = (s: Span): number => {
  let depth = 0;
  for (let p = s.parentId && byId.get(s.parentId); p; p = p.parentId ? byId.get(p.parentId) : undefined) if (interesting(p)) depth++;
  return depth;
};
const ordered: Span[] = [];
const walk = (s: Span) => {
  if (interesting(s) || s === root) ordered.push(s);
  for (const c of spans.filter((x) => x.parentId === s.id).sort((a, b) => a.start - b.start)) walk(c);
};
walk(root);

console.log(`trace ${traceId}: ${root.service} "${root.name}" ${ms(total)}, ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services\n`);
console.log(`${'service'.padEnd(9)} ${'span'.padEnd(58)} ${'start'.padStart(9)} ${'duration'.padStart(10)}  0${' '.repeat(width - 2)}${ms(total)}`);
for (const s of ordered) {
  const name = `${'  '.repeat(shownDepth(s))}${label(s)}`.slice(0, 58).padEnd(58);
  console.log(`${s.service.padEnd(9)} ${name} ${ms(s.start - t0).padStart(9)} ${ms(s.duration).padStart(10)}  ${bar(s)}${status(s)}`);
}

// The bottleneck: the slowest leaf (a query, the Stripe call, an uninstrumented dependency) is
// time no amount of tuning elsewhere gets back; a slow span with fast children is our own code.
const leaves = spans.filter((s) => s.kind === 'client' && !spans.some((c) => c.parentId === s.id));
const slowest = leaves.sort((a, b) => b.duration - a.duration)[0];
if (slowest) {
  const share = ((slowest.duration / total) * 100).toFixed(0);
  console.log(`\nslowest dependency call: ${slowest.service} ${label(slowest)}: ${ms(slowest.duration)}, ${share}% of the request`);
  const perService = new Map<string, number>();
  for (const s of spans.filter((x) => x.kind === 'server')) perService.set(s.service, (perService.get(s.service) ?? 0) + s.duration);
  const summary = [...perService].sort((a, b) => b[1] - a[1]).map(([svc, us]) => `${svc} ${ms(us)}`).join(', ');
  console.log(`time inside each service (SERVER spans): ${summary}`);
  console.log(`fix first: ${slowest.service}, the part that waits on ${label(slowest).replace(/^→ /, '')}`);
}
