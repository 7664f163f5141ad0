/**
 * `npm run sampling-lab`: what tracing costs, and what a sampled view still tells you.
 *
 * For each configuration (SDK off; parentbased_traceidratio at 0, 0.01, 0.1, 1; tail sampling in
 * the Collector), restarts the services, the Collector and Jaeger with that setting, warms up, and
 * runs k6 at the same arrival rate. Configurations are interleaved (A B C … A B C …) and repeated
 * so machine drift hits all alike; figures are medians over rounds. Then, from the traces Jaeger
 * stored, it estimates p50/p95/p99 of POST /process-payment with 95% confidence intervals and
 * checks whether k6's measurement lies inside.
 *
 *   npm run sampling-lab                        # 3 rounds × 6 configurations, 50 req/s for 30 s each
 *   npm run sampling-lab -- --rounds 5 --rate 100 --duration 60
 *   npm run sampling-lab -- --quick             # < 3 minutes: 1 round, short runs (npm test runs it)
 *   npm run sampling-lab -- --only sdk-off,ratio-1 --variant json:OTEL_EXPORTER_OTLP_PROTOCOL=http/json
 *                                               # A/B an instrumentation change side by side: a variant
 *                                               # is 100% sampling (or name@ratio-0: sampling 0, …) plus
 *                                               # that environment
 *   npm run sampling-lab -- --max-throughput    # first the highest rate each configuration sustains,
 *                                               # then the rounds at half the baseline's (the targets' rate)
 *
 * Output: a Markdown table on stdout, loadtest/results/sampling-lab.json (schema in
 * loadtest/README.md) and loadtest/results/sampling-lab.svg.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { fetchText, machineBusyCpuSeconds, median, minSampleForCi, processTreeCpuSeconds, promSum, quantileWithCi, reapedChildrenCpuSeconds } from './lib/measure.js';
import { startPostgres } from './lib/postgres.js';
import { freePort } from './lib/processes.js';
import { resetData } from './lib/reset-data.js';
import { SERVICES, startServices, type ServiceName } from './lib/services.js';
import { ROOT } from './lib/stack-settings.js';
import { freeTelemetryPorts, startTelemetryPipeline, type TelemetryPipeline } from './lib/telemetry-pipeline.js';
import { ensureTool, startStripeMock } from './lib/tools.js';
import { renderChart } from './lib/sampling-chart.js';
import { parseNamedAssignments } from './lib/env-assignments.js';

const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'max-throughput': { type: 'boolean', default: false },
    rounds: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'p99-objective-ms': { type: 'string', default: '250' },
    // The first rate of the max-throughput ladder (req/s); start near the answer to save time.
    'ladder-from': { type: 'string', default: '25' },
    only: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(ROOT, 'loadtest', 'results') },
  },
});
const quick = args.quick;
const rounds = Number(args.rounds ?? (quick ? 1 : 3));
// With --max-throughput and no --rate, the rounds run at half the baseline's max rate (found first).
let rate = Number(args.rate ?? (quick ? 20 : 50));
const durationS = Number(args.duration ?? (quick ? 6 : 30));
// 30 s: V8 is still optimising for about 20 s at these rates, and the first sampled requests throw
// optimised code away (npm run bench:steady-state); a shorter warm-up measured that, not the cost.
const warmupS = Number(args.warmup ?? (quick ? 2 : 30));
const p99ObjectiveMs = Number(args['p99-objective-ms']);
const outDir = resolve(args.out!);

/** One way of running the stack. */
export interface LabConfig {
  id: string;
  label: string;
  /** The SDK's sampling probability (null: SDK off). */
  sdkRatio: number | null;
  serviceEnv: NodeJS.ProcessEnv;
  collectorEnv: NodeJS.ProcessEnv;
}

const ratio = (r: number): NodeJS.ProcessEnv => ({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(r) });
export const CONFIGS: LabConfig[] = [
  { id: 'sdk-off', label: 'SDK disabled (baseline)', sdkRatio: null, serviceEnv: { OTEL_SDK_DISABLED: 'true' }, collectorEnv: {} },
  { id: 'ratio-0', label: 'traceidratio 0', sdkRatio: 0, serviceEnv: ratio(0), collectorEnv: {} },
  { id: 'ratio-0.01', label: 'traceidratio 0.01 (1%)', sdkRatio: 0.01, serviceEnv: ratio(0.01), collectorEnv: {} },
  { id: 'ratio-0.1', label: 'traceidratio 0.1 (10%)', sdkRatio: 0.1, serviceEnv: ratio(0.1), collectorEnv: {} },
  { id: 'ratio-1', label: 'traceidratio 1 (100%)', sdkRatio: 1, serviceEnv: ratio(1), collectorEnv: {} },
  {
    id: 'tail',
    label: 'tail: errors + slow + 10%',
    sdkRatio: 1,
    serviceEnv: ratio(1),
    collectorEnv: { OTELCOL_TRACES_PROCESSORS: '[memory_limiter, tail_sampling, batch]', OTELCOL_TAIL_DECISION_WAIT: '1s' },
  },
];

/**
 * The configurations of this run: --only picks among CONFIGS; each --variant adds one that is a
 * configuration of CONFIGS (100% sampling unless `name@id` names another) plus some environment.
 */
function selectConfigs(): LabConfig[] {
  const only = args.only?.split(',').map((id) => id.trim());
  const chosen = only ? CONFIGS.filter((c) => only.includes(c.id)) : [...CONFIGS];
  if (only && chosen.length !== only.length) throw new Error(`--only: known configurations are ${CONFIGS.map((c) => c.id).join(', ')}`);
  if (!chosen.some((c) => c.id === 'sdk-off')) chosen.unshift(CONFIGS[0]!); // every ratio needs its baseline
  for (const spec of args.variant!) {
    const { name: head, env } = parseNamedAssignments(spec);
    const [name, baseId = 'ratio-1'] = head.split('@');
    const base = CONFIGS.find((c) => c.id === baseId);
    if (!name || !base || base.id === 'sdk-off') {
      throw new Error(`--variant ${spec}: expected name[@configuration]:KEY=value[,KEY=value], the configuration one of ${CONFIGS.slice(1).map((c) => c.id).join(', ')}`);
    }
    chosen.push({ ...base, id: `${base.id}+${name}`, label: `${base.label} + ${name}`, serviceEnv: { ...base.serviceEnv, ...env } });
  }
  return chosen;
}
const configs = selectConfigs();

interface K6Result {
  requests: number;
  achievedRps: number;
  p50: number;
  p95: number;
  p99: number;
  /** k6's time waiting for the answer (TTFB) of successful payments: the ground truth for the trace estimate. */
  waiting: { p50: number; p95: number; p99: number };
  /**
   * The same, split by the sampled flag of the gateway's `traceresponse` header: are the requests
   * a sample keeps typical of all of them? (null: none of that kind, e.g. with the SDK off.)
   */
  waitingBySampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  errorRate: number;
  droppedIterations: number;
}

interface WaitingStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

interface RunResult {
  config: string;
  round: number;
  k6: K6Result;
  cpuSeconds: Record<string, number>;
  sdkDroppedSpans: number;
  collector: { acceptedSpans: number; refusedSpans: number; sentSpans: number; sendFailedSpans: number; queueSizeAtEnd: number };
  jaeger: { acceptedSpans: number; traces: number; paymentTraces: number };
  /** Durations (ms) of the stored POST /process-payment roots that answered 201. */
  sampledDurationsMs: number[];
}

const progressStart = Date.now();
function progress(message: string): void {
  process.stderr.write(`[sampling-lab ${((Date.now() - progressStart) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

async function k6Run(k6: string, gateway: string, runRate: number, seconds: number, summaryPath: string): Promise<K6Result> {
  await run(
    k6,
    ['run', '--quiet', '--no-usage-report', '-e', `PAYTRACE_URL=${gateway}`, '-e', `RATE=${runRate}`, '-e', `DURATION=${seconds}s`, '-e', `SUMMARY_PATH=${summaryPath}`, '-e', `P99_MS=${p99ObjectiveMs}`, join(ROOT, 'loadtest', 'payments.js')],
    { maxBuffer: 64 * 1024 * 1024 },
  ).catch((err: { code?: number; stdout?: string }) => {
    // Exit code 99: thresholds crossed. That is a result to report, not a failure of the lab.
    if (err.code !== 99) throw err;
  });
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
  const m = (name: string) => summary.metrics[name]?.values ?? {};
  const payment = m('http_req_duration{kind:payment}');
  const waiting = m('http_req_waiting{kind:payment}');
  const stats = (name: string): WaitingStats | null => {
    const v = m(name);
    return v.count ? { count: v.count, p50: v.med ?? NaN, p95: v['p(95)'] ?? NaN, p99: v['p(99)'] ?? NaN } : null;
  };
  return {
    requests: m('http_reqs').count ?? 0,
    achievedRps: m('http_reqs').rate ?? 0,
    p50: payment.med ?? NaN,
    p95: payment['p(95)'] ?? NaN,
    p99: payment['p(99)'] ?? NaN,
    waiting: { p50: waiting.med ?? NaN, p95: waiting['p(95)'] ?? NaN, p99: waiting['p(99)'] ?? NaN },
    waitingBySampling: { sampled: stats('payment_waiting_sampled'), unsampled: stats('payment_waiting_unsampled') },
    errorRate: m('http_req_failed').rate ?? 0,
    droppedIterations: m('dropped_iterations').count ?? 0,
  };
}

/** The stored traces whose root is the gateway's POST /process-payment, started in [from, to] (ms). */
async function storedPaymentTraces(jaegerUrl: string, fromMs: number, toMs: number): Promise<{ traces: number; durationsMs: number[] }> {
  const query = new URLSearchParams({
    service: 'gateway',
    operation: 'POST /process-payment',
    start: String(Math.floor(fromMs * 1000)),
    end: String(Math.ceil(toMs * 1000)),
    // Jaeger's in-memory store refuses a search depth at or above its max_traces (100000).
    limit: '99999',
  });
  const body = (await (await fetch(`${jaegerUrl}/api/traces?${query}`)).json()) as {
    data: Array<{ spans: Array<{ operationName: string; references: unknown[]; duration: number; tags: Array<{ key: string; value: unknown }> }> }> | null;
  };
  const durationsMs: number[] = [];
  for (const trace of body.data ?? []) {
    const root = trace.spans.find((s) => s.operationName === 'POST /process-payment' && s.references.length === 0);
    if (root && root.tags.some((t) => t.key === 'http.response.status_code' && Number(t.value) === 201)) durationsMs.push(root.duration / 1000);
  }
  return { traces: body.data?.length ?? 0, durationsMs };
}

async function measureOnce(config: LabConfig, round: number, runRate: number, seconds: number, env: LabEnv): Promise<RunResult> {
  const pipeline = await startTelemetryPipeline({ ports: await freeTelemetryPorts(), collectorEnv: config.collectorEnv, onLine: () => undefined });
  const sdkLogs: string[] = [];
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
  const services = await startServices({
    ports,
    databaseUrl: env.databaseUrl,
    stripeApiBase: env.stripeApiBase,
    env: { LOG_LEVEL: 'warn', OTEL_LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint, ...config.serviceEnv },
    onLine: (_service, line) => sdkLogs.push(line),
  });
  try {
    await k6Run(env.k6, services.urls.gateway, runRate, warmupS, join(env.tmp, 'warmup.json'));
    // Let the warm-up's spans drain before taking the "before" readings.
    await new Promise((r) => setTimeout(r, 1_500));
    // Each part of the stack is a process tree (Postgres: the postmaster and its backends).
    const trees: Record<string, number> = {
      ...Object.fromEntries([...services.processes].map(([name, p]) => [name, p.child.pid!])),
      'otel-collector': pipeline.collector.child.pid!,
      jaeger: pipeline.jaeger.child.pid!,
      postgres: env.postgresPid,
      'stripe-mock': env.stripePid,
    };
    const cpuNow = (): Record<string, number> => ({
      ...Object.fromEntries(Object.entries(trees).map(([n, pid]) => [n, processTreeCpuSeconds(pid)])),
      // k6 is the lab's only child that ends within the window: the growth of its reaped children's CPU.
      k6: reapedChildrenCpuSeconds(),
      machine: machineBusyCpuSeconds(),
    });
    const cpuBefore = cpuNow();
    const collectorBefore = await fetchText(pipeline.collectorMetricsUrl);
    const jaegerBefore = await fetchText(pipeline.jaegerMetricsUrl);
    const droppedBefore = countDropped(sdkLogs);

    const from = Date.now();
    const k6 = await k6Run(env.k6, services.urls.gateway, runRate, seconds, join(env.tmp, `${config.id}-${round}.json`));
    const to = Date.now();
    const cpuSeconds = Object.fromEntries(Object.entries(cpuNow()).map(([n, seconds]) => [n, +(seconds - cpuBefore[n]!).toFixed(2)]));

    // Stop the services: SIGTERM flushes each SDK's last batch. Then let the Collector (and its
    // tail-sampling decisions) drain into Jaeger.
    await services.stop();
    await drain(pipeline);
    const collectorAfter = await fetchText(pipeline.collectorMetricsUrl);
    const jaegerAfter = await fetchText(pipeline.jaegerMetricsUrl);
    const delta = (before: string, after: string, metric: string, filter?: (labels: string) => boolean) =>
      promSum(after, metric, filter) - promSum(before, metric, filter);
    const otlpIn = (labels: string) => labels.includes('receiver="otlp"');
    const stored = await storedPaymentTraces(pipeline.jaegerUrl, from, to);
    return {
      config: config.id,
      round,
      k6,
      cpuSeconds,
      sdkDroppedSpans: countDropped(sdkLogs) - droppedBefore,
      collector: {
        acceptedSpans: delta(collectorBefore, collectorAfter, 'otelcol_receiver_accepted_spans', otlpIn),
        refusedSpans: delta(collectorBefore, collectorAfter, 'otelcol_receiver_refused_spans', otlpIn),
        sentSpans: delta(collectorBefore, collectorAfter, 'otelcol_exporter_sent_spans'),
        sendFailedSpans: delta(collectorBefore, collectorAfter, 'otelcol_exporter_send_failed_spans'),
        queueSizeAtEnd: promSum(collectorAfter, 'otelcol_exporter_queue_size'),
      },
      jaeger: {
        acceptedSpans: delta(jaegerBefore, jaegerAfter, 'otelcol_receiver_accepted_spans', otlpIn),
        traces: stored.traces,
        paymentTraces: stored.durationsMs.length,
      },
      sampledDurationsMs: stored.durationsMs.sort((a, b) => a - b),
    };
  } finally {
    await services.stop();
    await pipeline.stop();
  }
}

/** The JS SDK reports spans its BatchSpanProcessor had to drop through its diagnostic logger. */
function countDropped(lines: string[]): number {
  let dropped = 0;
  for (const line of lines) {
    const match = /Dropped (\d+) spans/.exec(line);
    if (match) dropped += Number(match[1]);
  }
  return dropped;
}

async function drain(pipeline: TelemetryPipeline): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastSent = -1;
  // Tail sampling holds traces for decision_wait (1 s here) before passing them on.
  await new Promise((r) => setTimeout(r, 2_000));
  while (Date.now() < deadline) {
    const metrics = await fetchText(pipeline.collectorMetricsUrl);
    const sent = promSum(metrics, 'otelcol_exporter_sent_spans');
    if (promSum(metrics, 'otelcol_exporter_queue_size') === 0 && sent === lastSent) return;
    lastSent = sent;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

interface LabEnv {
  databaseUrl: string;
  stripeApiBase: string;
  k6: string;
  tmp: string;
  postgresPid: number;
  stripePid: number;
}

// ---- summarising ---------------------------------------------------------------------------------

interface ConfigSummary {
  id: string;
  label: string;
  sdk_sampling_ratio: number | null;
  rounds: number;
  achieved_rps: number;
  latency_ms: { p50: number; p95: number; p99: number };
  error_rate: number;
  dropped_iterations: number;
  /** Per part of the stack (process trees), k6, and `machine`: every core's busy time, whoever used it. */
  cpu_seconds: Record<string, number>;
  cpu_seconds_services: number;
  /** CPU milliseconds per request k6 made: the four services; everything the lab counts (services, Postgres, stripe-mock, Collector, Jaeger, k6); the machine. */
  cpu_ms_per_request: { services: number; counted: number; machine: number };
  /** CPU milliseconds per request of each part, as in cpu_seconds. */
  cpu_ms_per_request_by_part: Record<string, number>;
  spans: { sdk_dropped: number; collector_accepted: number; collector_refused: number; collector_sent: number; collector_send_failed: number; jaeger_accepted: number };
  traces_stored: number;
  /** From the stored traces of one round (the median one), against k6's waiting time of that round. */
  sampled_latency_estimate: Record<'p50' | 'p95' | 'p99', { estimate_ms: number; ci95_ms: [number, number]; ci_valid: boolean; k6_ms: number; k6_inside: boolean } | null>;
  sampled_traces: number;
  /** k6's waiting time (median round) of the payments the stack sampled and of those it did not. */
  k6_waiting_by_sampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  ratio_to_baseline: { achieved_rps: number; p50: number; p95: number; p99: number; cpu_seconds_services: number; cpu_ms_per_request: { services: number; counted: number; machine: number } };
  max_throughput_rps?: number;
}

function summarise(config: LabConfig, runs: RunResult[], baseline?: ConfigSummary): ConfigSummary {
  const med = (f: (r: RunResult) => number) => +median(runs.map(f)).toFixed(3);
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(runs[0]!.cpuSeconds)) cpu[name] = med((r) => r.cpuSeconds[name]!);
  const cpuServices = +SERVICES.reduce((sum, s) => sum + (cpu[s] ?? 0), 0).toFixed(2);
  const perRequest = (pick: (r: RunResult) => number) => +median(runs.map((r) => (pick(r) * 1000) / Math.max(1, r.k6.requests))).toFixed(3);
  const counted = (r: RunResult) => Object.entries(r.cpuSeconds).reduce((sum, [part, seconds]) => (part === 'machine' ? sum : sum + seconds), 0);
  // The round whose k6 p50 is the median one stands for the configuration in the estimate.
  const representative = [...runs].sort((a, b) => a.k6.p50 - b.k6.p50)[Math.floor(runs.length / 2)]!;
  const estimate: ConfigSummary['sampled_latency_estimate'] = { p50: null, p95: null, p99: null };
  for (const [key, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
    const ci = quantileWithCi(representative.sampledDurationsMs, q);
    const truth = representative.k6.waiting[key];
    estimate[key] = ci
      ? { estimate_ms: +ci.estimate.toFixed(2), ci95_ms: [+ci.low.toFixed(2), +ci.high.toFixed(2)], ci_valid: ci.valid, k6_ms: +truth.toFixed(2), k6_inside: truth >= ci.low && truth <= ci.high }
      : null;
  }
  const summary: ConfigSummary = {
    id: config.id,
    label: config.label,
    sdk_sampling_ratio: config.sdkRatio,
    rounds: runs.length,
    achieved_rps: med((r) => r.k6.achievedRps),
    latency_ms: { p50: med((r) => r.k6.p50), p95: med((r) => r.k6.p95), p99: med((r) => r.k6.p99) },
    error_rate: med((r) => r.k6.errorRate),
    dropped_iterations: med((r) => r.k6.droppedIterations),
    cpu_seconds: cpu,
    cpu_seconds_services: cpuServices,
    cpu_ms_per_request: {
      services: perRequest((r) => SERVICES.reduce((sum, s) => sum + (r.cpuSeconds[s] ?? 0), 0)),
      counted: perRequest(counted),
      machine: perRequest((r) => r.cpuSeconds.machine ?? 0),
    },
    cpu_ms_per_request_by_part: Object.fromEntries(Object.keys(cpu).map((part) => [part, perRequest((r) => r.cpuSeconds[part] ?? 0)])),
    spans: {
      sdk_dropped: med((r) => r.sdkDroppedSpans),
      collector_accepted: med((r) => r.collector.acceptedSpans),
      collector_refused: med((r) => r.collector.refusedSpans),
      collector_sent: med((r) => r.collector.sentSpans),
      collector_send_failed: med((r) => r.collector.sendFailedSpans),
      jaeger_accepted: med((r) => r.jaeger.acceptedSpans),
    },
    traces_stored: med((r) => r.jaeger.traces),
    sampled_latency_estimate: estimate,
    sampled_traces: representative.sampledDurationsMs.length,
    k6_waiting_by_sampling: representative.k6.waitingBySampling,
    ratio_to_baseline: { achieved_rps: 1, p50: 1, p95: 1, p99: 1, cpu_seconds_services: 1, cpu_ms_per_request: { services: 1, counted: 1, machine: 1 } },
  };
  if (baseline) {
    const r = (a: number, b: number) => (b > 0 ? +(a / b).toFixed(3) : NaN);
    summary.ratio_to_baseline = {
      achieved_rps: r(summary.achieved_rps, baseline.achieved_rps),
      p50: r(summary.latency_ms.p50, baseline.latency_ms.p50),
      p95: r(summary.latency_ms.p95, baseline.latency_ms.p95),
      p99: r(summary.latency_ms.p99, baseline.latency_ms.p99),
      cpu_seconds_services: r(summary.cpu_seconds_services, baseline.cpu_seconds_services),
      cpu_ms_per_request: {
        services: r(summary.cpu_ms_per_request.services, baseline.cpu_ms_per_request.services),
        counted: r(summary.cpu_ms_per_request.counted, baseline.cpu_ms_per_request.counted),
        machine: r(summary.cpu_ms_per_request.machine, baseline.cpu_ms_per_request.machine),
      },
    };
  }
  return summary;
}

function markdown(summaries: ConfigSummary[], meta: { rate: number; durationS: number; rounds: number }, targets: Target[]): string {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = [
    `Sampling lab: ${meta.rate} req/s for ${meta.durationS} s per run, ${meta.rounds} interleaved round(s); medians over rounds.`,
    '',
    '| configuration | RPS | p50 ms | p95 ms | p99 ms | p99 × baseline | errors | dropped iter. | CPU ms per request: services (× base) | all counted (× base) | machine (× base) | spans accepted / refused (Collector) | spans in Jaeger | traces stored |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of summaries) {
    const cpuCell = (part: 'services' | 'counted' | 'machine') => `${f(s.cpu_ms_per_request[part], 2)} (${f(s.ratio_to_baseline.cpu_ms_per_request[part], 2)})`;
    lines.push(
      `| ${s.label} | ${f(s.achieved_rps)} | ${f(s.latency_ms.p50)} | ${f(s.latency_ms.p95)} | ${f(s.latency_ms.p99)} | ${f(s.ratio_to_baseline.p99, 2)} | ${f(s.error_rate * 100, 2)}% | ${s.dropped_iterations} | ${cpuCell('services')} | ${cpuCell('counted')} | ${cpuCell('machine')} | ${s.spans.collector_accepted} / ${s.spans.collector_refused} | ${s.spans.jaeger_accepted} | ${s.traces_stored} |`,
    );
  }
  const needed = { p50: minSampleForCi(0.5), p95: minSampleForCi(0.95), p99: minSampleForCi(0.99) };
  lines.push(
    '',
    'CPU per request k6 made, medians over rounds. All counted: the services, Postgres (postmaster and every backend), stripe-mock, the Collector, Jaeger and k6. Machine: every core busy, whoever used it (the lab itself and the kernel too).',
    '',
    `| configuration | ${partsOf(summaries).join(' | ')} |`,
    `| --- | ${partsOf(summaries).map(() => '---:').join(' | ')} |`,
    ...summaries.map((s) => `| ${s.label} | ${partsOf(summaries).map((part) => f(s.cpu_ms_per_request_by_part[part] ?? NaN, 2)).join(' | ')} |`),
    '',
    'What the stored traces say about latency (201 payments of the median round; 95% CI from order statistics; truth = k6 time-to-first-byte).',
    `A valid 95% CI needs at least ${needed.p50} traces for p50, ${needed.p95} for p95 and ${needed.p99} for p99, whatever the sampling rate.`,
    '',
  );
  lines.push('| configuration | traces used | p50 estimate [95% CI] | k6 p50 | p95 estimate [95% CI] | k6 p95 | p99 estimate [95% CI] | k6 p99 |');
  lines.push('| --- | ---: | --- | ---: | --- | ---: | --- | ---: |');
  for (const s of summaries) {
    const cell = (k: 'p50' | 'p95' | 'p99') => {
      const e = s.sampled_latency_estimate[k];
      if (!e) return ['no traces', '–'];
      const mark = !e.ci_valid ? ' (too few for a 95% CI)' : e.k6_inside ? ' ✓' : ' ✗ outside';
      return [`${f(e.estimate_ms, 2)} [${f(e.ci95_ms[0], 2)}, ${f(e.ci95_ms[1], 2)}]${mark}`, f(e.k6_ms, 2)];
    };
    lines.push(`| ${s.label} | ${s.sampled_traces} | ${cell('p50').join(' | ')} | ${cell('p95').join(' | ')} | ${cell('p99').join(' | ')} |`);
  }
  lines.push(
    '',
    "Are the sampled requests typical? k6's time-to-first-byte of the same round's 201 payments, split by the sampled flag of the gateway's traceresponse header;",
    'and the traces against k6 for the very requests they recorded (what a span cannot see: queueing before the server reads the request, the network).',
    '',
    '| configuration | sampled / unsampled (k6) | p50 sampled / unsampled ms | p95 sampled / unsampled ms | trace p50 − k6 p50 of sampled ms |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const s of summaries) {
    const { sampled, unsampled } = s.k6_waiting_by_sampling;
    if (!sampled && !unsampled) continue;
    const pair = (k: 'p50' | 'p95') => `${sampled ? f(sampled[k], 2) : '–'} / ${unsampled ? f(unsampled[k], 2) : '–'}`;
    const gap = sampled && s.sampled_latency_estimate.p50 ? f(s.sampled_latency_estimate.p50.estimate_ms - sampled.p50, 2) : '–';
    lines.push(`| ${s.label} | ${sampled?.count ?? 0} / ${unsampled?.count ?? 0} | ${pair('p50')} | ${pair('p95')} | ${gap} |`);
  }
  if (summaries.some((s) => s.max_throughput_rps !== undefined)) {
    const base = summaries[0]!.max_throughput_rps ?? NaN;
    lines.push('', `Max throughput (p99 < ${p99ObjectiveMs} ms, no dropped iterations, < 0.1% errors):`, '', '| configuration | max req/s | × baseline |', '| --- | ---: | ---: |');
    for (const s of summaries) lines.push(`| ${s.label} | ${s.max_throughput_rps ?? '–'} | ${f((s.max_throughput_rps ?? NaN) / base, 2)} |`);
  }
  lines.push('', 'Targets (reported, not asserted):', '', '| target | measured | met |', '| --- | --- | :---: |');
  for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met === null ? '– (needs --max-throughput)' : t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

/** The CPU columns of the per-part table, in the order the lab measures them (machine last). */
const partsOf = (summaries: ConfigSummary[]) => Object.keys(summaries[0]?.cpu_seconds ?? {});

interface Target {
  target: string;
  measured: string;
  /** null: this run did not measure it. */
  met: boolean | null;
}

/** The issue's targets, against this run's figures. */
function checkTargets(summaries: ConfigSummary[], ratesFromMax: boolean): Target[] {
  const by = Object.fromEntries(summaries.map((s) => [s.id, s])) as Record<string, ConfigSummary | undefined>;
  const base = by['sdk-off']!;
  const full = by['ratio-1'];
  const one = by['ratio-0.01'];
  const targets: Target[] = [];
  const absent = (target: string) => targets.push({ target, measured: 'configuration not in this run', met: null });
  for (const [id, s, min] of [['100%', full, 0.85], ['1%', one, 0.95]] as const) {
    const target = `max throughput at ${id} ≥ ${min} × baseline`;
    if (!s) {
      absent(target);
      continue;
    }
    const r = s.max_throughput_rps !== undefined && base.max_throughput_rps ? s.max_throughput_rps / base.max_throughput_rps : undefined;
    targets.push({
      target,
      measured: r === undefined ? 'not measured' : `${s.max_throughput_rps} / ${base.max_throughput_rps} req/s = ${r.toFixed(2)} ×`,
      met: r === undefined ? null : r >= min,
    });
  }
  const zero = by['ratio-0'];
  const cpu = (x: ConfigSummary) => x.cpu_ms_per_request.services;
  if (zero) {
    const r = cpu(zero) / cpu(base);
    targets.push({ target: 'service CPU per request at ratio 0 ≤ 1.15 × baseline', measured: `${cpu(zero).toFixed(2)} / ${cpu(base).toFixed(2)} ms = ${r.toFixed(2)} ×`, met: r <= 1.15 });
  } else absent('service CPU per request at ratio 0 ≤ 1.15 × baseline');
  if (zero && one) {
    const step = (cpu(one) - cpu(zero)) / cpu(base);
    targets.push({
      target: 'service CPU per request at 1% ≤ ratio 0 + 0.03 × baseline',
      measured: `${cpu(one).toFixed(2)} − ${cpu(zero).toFixed(2)} ms = ${step >= 0 ? '+' : ''}${step.toFixed(3)} × baseline`,
      met: step <= 0.03,
    });
  } else absent('service CPU per request at 1% ≤ ratio 0 + 0.03 × baseline');
  const p99Target = `p99 at 1% ≤ 1.10 × baseline${ratesFromMax ? " (at half the baseline's max rate)" : " (at this run's rate; the target's rate needs --max-throughput)"}`;
  if (one) {
    targets.push({
      target: p99Target,
      measured: `${one.latency_ms.p99.toFixed(1)} / ${base.latency_ms.p99.toFixed(1)} ms = ${one.ratio_to_baseline.p99.toFixed(2)} ×`,
      met: ratesFromMax ? one.ratio_to_baseline.p99 <= 1.1 : null,
    });
  } else absent(p99Target);
  if (!full) {
    absent('at 100%: every exported span stored in Jaeger');
    absent('at 100%: no span dropped by any queue (SDK, Collector receiver, Collector exporter)');
    return targets;
  }
  const exported = full.spans.collector_accepted + full.spans.collector_refused;
  const storedShare = exported > 0 ? full.spans.jaeger_accepted / exported : NaN;
  targets.push({
    target: 'at 100%: every exported span stored in Jaeger',
    measured: `${full.spans.jaeger_accepted} of ${exported} = ${(storedShare * 100).toFixed(2)}%`,
    met: full.spans.jaeger_accepted >= exported,
  });
  const dropped = full.spans.sdk_dropped + full.spans.collector_refused + full.spans.collector_send_failed;
  targets.push({
    target: 'at 100%: no span dropped by any queue (SDK, Collector receiver, Collector exporter)',
    measured: `SDK ${full.spans.sdk_dropped}, refused ${full.spans.collector_refused}, send failed ${full.spans.collector_send_failed}`,
    met: dropped === 0,
  });
  return targets;
}

// ---- the lab --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, 'k6');
  mkdirSync(tmp, { recursive: true });
  const k6 = ensureTool('k6');
  ensureTool('jaeger');
  ensureTool('otelcol');

  const postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'lab-postgres'), port: await freePort(), reset: true, log: () => undefined });
  const stripePort = await freePort();
  const stripe = await startStripeMock({ port: stripePort, onLine: () => undefined });
  try {
    await resetData(postgres.url);
    const env: LabEnv = {
      databaseUrl: postgres.url,
      stripeApiBase: `http://127.0.0.1:${stripePort}`,
      k6,
      tmp,
      postgresPid: postmasterPid(postgres.dataDir),
      stripePid: stripe.child.pid!,
    };

    const maxRps = args['max-throughput'] ? await maxThroughputs(env) : new Map<string, number>();
    if (maxRps.size > 0) {
      progress(`max throughput (req/s): ${configs.map((c) => `${c.id} ${maxRps.get(c.id)}`).join(', ')}`);
      // The targets compare latency at half the baseline's max rate: loaded, not saturated.
      if (args.rate === undefined) rate = Math.max(1, Math.floor(maxRps.get('sdk-off')! / 2));
    }

    const runs = new Map<string, RunResult[]>(configs.map((c) => [c.id, []]));
    const perRun = warmupS + durationS + 8;
    for (let round = 1; round <= rounds; round++) {
      for (const [i, config] of configs.entries()) {
        const left = ((rounds - round) * configs.length + (configs.length - i)) * perRun;
        progress(`round ${round}/${rounds}, ${config.label} (${rate} req/s for ${durationS} s), about ${Math.ceil(left / 60)} min left`);
        runs.get(config.id)!.push(await measureOnce(config, round, rate, durationS, env));
      }
    }
    const summaries: ConfigSummary[] = [];
    for (const config of configs) summaries.push(summarise(config, runs.get(config.id)!, summaries[0]));
    for (const summary of summaries) {
      const max = maxRps.get(summary.id);
      if (max !== undefined) summary.max_throughput_rps = max;
    }

    const meta = { rate, durationS, warmupS, rounds, quick, p99ObjectiveMs, created: new Date().toISOString(), machine: { cpus: (await import('node:os')).cpus().length, node: process.version } };
    const targets = checkTargets(summaries, maxRps.size > 0 && args.rate === undefined);
    writeFileSync(join(outDir, 'sampling-lab.json'), JSON.stringify({ meta, configurations: summaries, targets, runs: [...runs.values()].flat().map(({ sampledDurationsMs, ...r }) => ({ ...r, sampled_traces: sampledDurationsMs.length })) }, null, 2));
    writeFileSync(join(outDir, 'sampling-lab.svg'), await renderChart(summaries, meta));
    console.log(markdown(summaries, meta, targets));
    console.log(`\nJSON: ${join(outDir, 'sampling-lab.json')}\nchart: ${join(outDir, 'sampling-lab.svg')}`);
  } finally {
    await stripe.stop();
    await postgres.stop();
  }
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/**
 * The highest arrival rate (req/s) each configuration sustains with the objective met: p99 under
 * the objective, no dropped iterations, < 0.1% unexpected answers. A rising ladder (×1.6) until a
 * configuration fails, then bisection between its last good and first bad rate. Every step runs
 * all the configurations still searching one after the other, so drift hits them alike.
 */
async function maxThroughputs(env: LabEnv): Promise<Map<string, number>> {
  const seconds = quick ? 5 : 15;
  const holds = async (config: LabConfig, r: number) => {
    progress(`max throughput: ${config.label} at ${r} req/s`);
    const result = await measureOnce(config, 0, r, seconds, env);
    return result.k6.p99 < p99ObjectiveMs && result.k6.droppedIterations === 0 && result.k6.errorRate < 0.001;
  };
  const good = new Map<string, number>(configs.map((c) => [c.id, 0]));
  const bad = new Map<string, number>();
  for (let r = Number(args['ladder-from']); bad.size < configs.length && r <= 5_000; r = Math.round(r * 1.6)) {
    for (const config of configs) {
      if (bad.has(config.id)) continue;
      if (await holds(config, r)) good.set(config.id, r);
      else bad.set(config.id, r);
    }
  }
  for (let step = 0; step < (quick ? 1 : 3); step++) {
    for (const config of configs) {
      const lo = good.get(config.id)!;
      const hi = bad.get(config.id);
      if (hi === undefined) continue;
      const mid = Math.round((lo + hi) / 2);
      if (mid === lo || mid === hi) continue;
      if (await holds(config, mid)) good.set(config.id, mid);
      else bad.set(config.id, mid);
    }
  }
  return good;
}

await main();
