/**
 * `npm run detective`: the bottleneck detective's verdict over recent traces (Jaeger's HTTP API):
 * the share of the critical path each service and operation takes, p50 and p95, and the one to
 * fix first, in a sentence.
 *
 *   npm run detective -- --since 30s                       # payments of the last 30 s
 *   npm run detective -- --since 1m --json                 # { culprit: { service, operation, share }, … }
 *   npm run detective -- --since 30s --operation 'GET /accounts/me'
 *   npm run detective -- <trace_id> [<trace_id> …]         # these traces
 *   npm run detective -- <trace_id> --format mermaid       # one trace as a Mermaid gantt block
 *   npm run detective -- --since 1m --slow                 # what the slowest tenth shares, against the rest
 *   npm run detective -- --since 1m --slow-above 200ms     # … the payments over 200 ms
 *   npm run detective -- --since 1m --slow-range 200ms..800ms --json
 *   npm run detective -- <slow_trace_id> --compare [<typical_trace_id>]   # where its extra time went
 *   JAEGER_URL=http://localhost:16686 npm run detective -- --since 30s   # another Jaeger (compose)
 *   npm run detective -- --since 30s --prometheus http://localhost:9090  # another Prometheus
 *
 * With --since it also reads the services' runtime metrics from Prometheus over the same window
 * (event-loop delay, pools, requests in flight: detective-metrics.ts), and the verdict names a
 * service whose process stalls even when no span stands out.
 *
 * With --slow, --slow-above or --slow-range it compares instead (slow-vs-rest.ts): the traces are
 * split at the p90 (or the given threshold or range) and every value they carry is ranked by how
 * much more common it is among the slow ones, with counts and a 95% interval.
 */
import { parseArgs } from 'node:util';
import {
  JaegerClient,
  TRACE_ID,
  analyzeTrace,
  collectTraces,
  describeRow,
  compareTraces,
  formatMs,
  routeSearchFor,
  typicalAmong,
  mermaidFence,
  parseDuration,
  slowVsRest,
  type SlowSelection,
  toMermaidGantt,
  verdict,
  type TraceSelection,
  type TraceSpan,
} from '@paytrace/trace-analysis';
import { runCli, stackPorts, UsageError } from '@paytrace/devstack';
import type { RuntimeReport } from '@paytrace/metrics-analysis';
import { readRuntime, runtimeTable } from './detective-metrics.js';

const USAGE =
  `usage: npm run detective -- (--since 30s | <trace_id>…) [--operation 'POST /process-payment'] [--limit N] [--json | --format text|json|mermaid] [--settle-ms MS] [--prometheus URL]\n` +
  `       [--slow | --slow-above 200ms | --slow-range 200ms..800ms] [--top N]\n` +
  `       npm run detective -- <slow_trace_id> --compare [<typical_trace_id>] [--json]   (typical: the same route's trace closest to the median of the 5 min before it)`;

await runCli(USAGE, async () => {
  const { values: args, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      operation: { type: 'string', default: 'POST /process-payment' },
      limit: { type: 'string', default: '500' },
      json: { type: 'boolean', default: false },
      format: { type: 'string', default: 'text' },
      'settle-ms': { type: 'string', default: '6000' },
      prometheus: { type: 'string' },
      slow: { type: 'boolean', default: false },
      'slow-above': { type: 'string' },
      'slow-range': { type: 'string' },
      top: { type: 'string', default: '15' },
      compare: { type: 'boolean', default: false },
    },
  });
  const format = args.json ? 'json' : args.format;
  if (!['text', 'json', 'mermaid'].includes(format)) throw new UsageError(`--format is text, json or mermaid, not "${format}"`);
  for (const id of positionals) if (!TRACE_ID.test(id)) throw new UsageError(`"${id}" is not a trace id (32 lower-case hex digits)`);
  if ((args.since === undefined) === (positionals.length === 0)) throw new UsageError('give either --since or trace ids');
  if (args.compare) {
    if (positionals.length > 2 || args.since !== undefined) throw new UsageError('--compare takes a slow trace id and, optionally, a typical one');
    return compare(positionals[0]!, positionals[1], format === 'json');
  }
  if (format === 'mermaid' && positionals.length !== 1) throw new UsageError('--format mermaid draws one trace: give its id');
  const limit = Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit is a whole number ≥ 1, not "${args.limit}"`);
  const slow = slowSelection(args['slow-above'], args['slow-range']);
  const slowVsRestAsked = args.slow || slow !== undefined;
  if (slowVsRestAsked && format === 'mermaid') throw new UsageError('--slow compares many traces: not with --format mermaid');
  const top = Number(args.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top is a whole number ≥ 1, not "${args.top}"`);
  const settleMs = Number(args['settle-ms']);
  if (!Number.isFinite(settleMs) || settleMs < 0) throw new UsageError(`--settle-ms is a number ≥ 0, not "${args['settle-ms']}"`);

  // The last --since before the command started: the traces' window, and the metrics'.
  const sinceMs = args.since === undefined ? undefined : parseDuration(args.since);
  if (args.since !== undefined && sinceMs === undefined) throw new UsageError(`--since is a duration such as 30s, 2m or 500ms, not "${args.since}"`);
  const metricsWindow = sinceMs === undefined ? undefined : { start: (Date.now() - sinceMs) / 1000, end: Date.now() / 1000 };
  const selection: TraceSelection =
    sinceMs === undefined
      ? { traceIds: positionals }
      : // The root of every request is the gateway's SERVER span, named after its route.
        { sinceMs, service: 'gateway', operation: args.operation, limit };

  const jaeger = new JaegerClient(process.env.JAEGER_URL ?? `http://127.0.0.1:${stackPorts().jaegerQuery}`);
  if (format !== 'json') console.error(`reading traces from ${jaeger.baseUrl} (after ${settleMs / 1000} s, so their last spans have arrived)…`);
  const traces = await collectTraces(jaeger, selection, { settleMs: positionals.length > 0 ? 0 : settleMs }).catch((err: Error) => {
    throw new Error(`could not read traces from Jaeger at ${jaeger.baseUrl} (is the stack running?): ${err.message}`);
  });
  if (format === 'mermaid') {
    if (!traces[0]) throw new Error(`Jaeger has no trace ${positionals[0]}`);
    console.log(mermaidFence(toMermaidGantt(traces[0])));
    return 0;
  }
  if (slowVsRestAsked) return slowAgainstRest(traces, slow, { json: format === 'json', top });
  const prometheusUrl = args.prometheus ?? process.env.PROMETHEUS_URL ?? `http://127.0.0.1:${stackPorts().prometheus}`;
  const runtime = metricsWindow && (await readRuntime(prometheusUrl, metricsWindow));
  const report: RuntimeReport | undefined = runtime && 'error' in runtime ? undefined : runtime;
  if (runtime && 'error' in runtime) console.error(runtime.error);
  const result = verdict(traces.map(analyzeTrace), { runtime: report?.findings ?? [] });
  if (format === 'json') {
    console.log(JSON.stringify({ ...result, ...(report ? { runtimeFigures: report.services } : {}) }, null, 2));
    return 0;
  }
  console.log(`${result.count} traces, ${result.failed} failed\n`);
  console.log('share of the critical path        p50    p95   mean');
  for (const s of result.services) console.log(`  ${s.service.padEnd(30)} ${pct(s.p50)} ${pct(s.p95)} ${pct(s.mean)}`);
  console.log('\ntop operations');
  for (const o of result.operations.slice(0, 8)) {
    console.log(`  ${`${o.service} ${o.operation}`.slice(0, 30).padEnd(30)} ${pct(o.p50)} ${pct(o.p95)} ${pct(o.mean)}  ${o.target ?? ''}`);
  }
  if (result.instance) {
    console.log(`\ninstances of ${result.instance.service} (SERVER spans)   p50      failed  spans`);
    for (const s of result.instance.instances) {
      console.log(`  ${s.instance.padEnd(30)} ${formatMs(s.p50).padStart(9)} ${pct(s.failureRate)}  ${s.count}`);
    }
  }
  if (report) console.log(`\n${runtimeTable(report)}`);
  console.log(`\nverdict: ${result.sentence}`);
  return result.culprit ? 0 : 1;
});

/** The slow trace against the typical one (given, or the route's in the 5 minutes before it), as a table of the differences. */
async function compare(slowId: string, typicalId: string | undefined, json: boolean): Promise<number> {
  const jaeger = new JaegerClient(process.env.JAEGER_URL ?? `http://127.0.0.1:${stackPorts().jaegerQuery}`);
  const read = async (id: string): Promise<TraceSpan[]> => {
    const spans = await jaeger.getTrace(id).catch((err: Error) => {
      throw new Error(`could not read traces from Jaeger at ${jaeger.baseUrl} (is the stack running?): ${err.message}`);
    });
    if (!spans?.length) throw new Error(`Jaeger has no trace ${id}`);
    return spans;
  };
  const slow = await read(slowId);
  const typical = typicalId ? await read(typicalId) : typicalAmong(slow, await jaeger.searchTraces(routeSearchFor(slow)));
  if (!typical) throw new Error(`no other trace of the same route in the 5 minutes before ${slowId} to compare it with: give a typical trace's id`);
  const c = compareTraces(slow, typical);
  if (json) {
    console.log(JSON.stringify(c, null, 2));
    return 0;
  }
  console.log(
    `slow ${c.slow.traceId} ${formatMs(c.slow.duration)} against typical ${c.typical.traceId} ${formatMs(c.typical.duration)}: ${sign(c.extraUs)}\n`,
  );
  console.log('      extra        slow     typical  critical-path time of');
  for (const d of c.differences.filter((x) => x.extraUs !== 0).slice(0, 12)) {
    const label = `${d.label}${d.occurrence > 1 ? ` (#${d.occurrence})` : ''}`;
    console.log(
      `${sign(d.extraUs).padStart(11)} ${formatMs(d.slowUs).padStart(11)} ${formatMs(d.typicalUs).padStart(11)}  ${label.length > 90 ? `${label.slice(0, 89)}…` : label}`,
    );
  }
  const top = c.differences[0];
  if (top && top.extraUs > 0) console.log(`\nmost of the extra time: ${top.label} (${sign(top.extraUs)} of ${sign(c.extraUs)})`);
  return 0;
}

/** "+250.0 ms", "−1.2 ms" (a function, not a const: the CLI above runs before a const here is set). */
function sign(us: number): string {
  return `${us >= 0 ? '+' : '−'}${formatMs(Math.abs(us))}`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`.padStart(5);
}

/** --slow-above 200ms or --slow-range 200ms..800ms (a bare number is milliseconds here: a latency, not a window). */
function slowSelection(above: string | undefined, range: string | undefined): SlowSelection | undefined {
  if (above !== undefined && range !== undefined) throw new UsageError('give --slow-above or --slow-range, not both');
  const ms = (text: string, flag: string) => {
    const value = parseDuration(/^\d+(\.\d+)?$/.test(text.trim()) ? `${text}ms` : text);
    if (value === undefined) throw new UsageError(`${flag} takes durations such as 200ms or 1.5s, not "${text}"`);
    return value;
  };
  if (above !== undefined) return { aboveMs: ms(above, '--slow-above') };
  if (range === undefined) return undefined;
  const [from, to, ...rest] = range.split('..');
  if (from === undefined || to === undefined || rest.length > 0) throw new UsageError(`--slow-range is FROM..TO, e.g. 200ms..800ms, not "${range}"`);
  const fromMs = ms(from, '--slow-range');
  const toMs = ms(to, '--slow-range');
  if (toMs < fromMs) throw new UsageError(`--slow-range: ${to} is below ${from}`);
  return { fromMs, toMs };
}

/** The slow traces against the rest: a table of the values most telling, or all of it as JSON. */
function slowAgainstRest(traces: Parameters<typeof slowVsRest>[0], slow: SlowSelection | undefined, options: { json: boolean; top: number }): number {
  const result = slowVsRest(traces, slow ? { slow } : {});
  if (options.json) {
    console.log(JSON.stringify({ ...result, rows: result.rows.slice(0, options.top) }, null, 2));
    return 0;
  }
  const split =
    'aboveMs' in result.slow
      ? `over ${result.slow.aboveMs.toFixed(1)} ms${result.slow.quantile === undefined ? '' : ` (the p${Math.round(result.slow.quantile * 100)})`}`
      : `from ${result.slow.fromMs} to ${result.slow.toMs} ms`;
  console.log(`${result.slowTotal + result.restTotal} traces: ${result.slowTotal} slow (${split}), ${result.restTotal} the rest\n`);
  console.log('what the slow ones share                                     slow        rest     difference [95% interval]');
  for (const row of result.rows.slice(0, options.top)) {
    const label = `${row.key} = ${row.value}`;
    const cut = label.length > 58 ? `${label.slice(0, 57)}…` : label;
    const side = (count: number, total: number, share: number) => `${count}/${total} ${`${(share * 100).toFixed(0)}%`.padStart(4)}`.padStart(11);
    const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)}`;
    console.log(
      `  ${cut.padEnd(58)} ${side(row.slowCount, row.slowTotal, row.slowShare)} ${side(row.restCount, row.restTotal, row.restShare)}   ${points(row.difference).padStart(4)} [${points(row.interval[0])}, ${points(row.interval[1])}]`,
    );
  }
  const first = result.rows[0];
  if (first && first.interval[0] > 0) console.log(`\nmost telling: ${describeRow(first)}`);
  else console.log('\nno value is clearly more common among the slow traces');
  return 0;
}
