/** One measurement of the sampling lab: one configuration, one round, at one arrival rate (CPU per part, spans, latency). */
import { setTimeout as sleep } from 'node:timers/promises';
import { JaegerClient } from '@paytrace/trace-analysis';
import { runLoad, type LoadGenerator } from '../load/generator.js';
import type { LoadResult } from '../load/load-result.js';
import {
  freeStackPorts,
  postmasterPid,
  waitFor,
  fetchText,
  promSum,
  type Stack,
  startTelemetryPipeline,
  type TelemetryPipeline,
  machineBusyCpuSeconds,
  processTreeCpuSeconds,
  reapedChildrenCpuSeconds,
} from '@paytrace/devstack';
import type { LabConfig } from './configs.js';
import type { MetricEstimates } from '@paytrace/loadtest/sampling-lab-json';
import { metricEstimates, readMetrics, settleMs } from './metric-estimates.js';

/** The CPU part that is the load generator (Vegeta or k6; the lab's meta.generator says which). */
export const LOAD_GENERATOR_PART = 'load-generator';

/** One measurement: one configuration, one round. */
export interface RunResult {
  config: string;
  round: number;
  /** What the load generator measured. */
  load: LoadResult;
  cpuSeconds: Record<string, number>;
  sdkDroppedSpans: number;
  collector: { acceptedSpans: number; refusedSpans: number; sentSpans: number; sendFailedSpans: number; queueSizeAtEnd: number };
  jaeger: { acceptedSpans: number; traces: number; paymentTraces: number };
  /** Durations (ms) of the stored POST /process-payment roots that answered 201. */
  sampledDurationsMs: number[];
  /** The measured window as Prometheus tells it (SDK and span metrics), beside the generator's truth. */
  metrics: MetricEstimates | undefined;
}

/** The stored traces whose root is the gateway's POST /process-payment, started in [from, to] (ms). */
async function storedPaymentTraces(jaegerUrl: string, fromMs: number, toMs: number): Promise<{ traces: number; durationsMs: number[] }> {
  const traces = await new JaegerClient(jaegerUrl).searchTraces({ service: 'gateway', operation: 'POST /process-payment', fromMs, toMs });
  const durationsMs: number[] = [];
  for (const spans of traces) {
    const root = spans.find((s) => s.name === 'POST /process-payment' && s.parentSpanId === undefined);
    if (root && Number(root.tags['http.response.status_code']) === 201) durationsMs.push(root.duration / 1000);
  }
  return { traces: traces.length, durationsMs };
}

/** What a measurement runs against: the lab's Postgres and stripe-mock, and how it loads them. */
export interface LabEnv {
  /** Postgres and stripe-mock (no pipeline: each measurement starts its own Collector and Jaeger). */
  stack: Stack;
  generator: LoadGenerator;
  /** Where the generator's files go (each run's figures stay as <configuration>-<round>.json). */
  tmp: string;
  warmupS: number;
  p99ObjectiveMs: number;
  /** The services' metric export interval (OTEL_METRIC_EXPORT_INTERVAL), ms. */
  metricExportIntervalMs: number;
  /** The Collector's span-metric flush interval (OTELCOL_SPANMETRICS_FLUSH_INTERVAL), seconds. */
  spanMetricsFlushS: number;
}

/** The batch span processor's delay the lab's services run with (the SDK's default, OTEL_BSP_SCHEDULE_DELAY unset). */
const SPAN_EXPORT_DELAY_MS = 5_000;

/**
 * One measurement of one configuration: fresh services, Collector and Jaeger with its settings, a
 * warm-up under the same load, then `seconds` at `rate` with every part's CPU, the spans at each
 * hop and the stored traces counted.
 */
export async function measureOnce(
  config: LabConfig,
  round: number,
  rate: number,
  seconds: number,
  env: LabEnv,
  /** metrics: false skips reading Prometheus (and the waits it needs), e.g. for the max-throughput ladder. */
  options: { metrics?: boolean } = {},
): Promise<RunResult> {
  const withMetrics = options.metrics ?? true;
  const pipeline = await startTelemetryPipeline({
    ports: await freeStackPorts(),
    collectorEnv: { OTELCOL_SPANMETRICS_FLUSH_INTERVAL: `${env.spanMetricsFlushS}s`, ...config.collectorEnv },
    ...(config.collectors === undefined ? {} : { collectors: config.collectors }),
    onLine: () => undefined,
  });
  const sdkLogs: string[] = [];
  const services = await env.stack.startServices({
    env: {
      LOG_LEVEL: 'warn',
      OTEL_LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint,
      OTEL_METRIC_EXPORT_INTERVAL: String(env.metricExportIntervalMs),
      ...config.serviceEnv,
    },
    onLine: (_service, line) => sdkLogs.push(line),
  });
  const load = (runSeconds: number, name: string) =>
    runLoad(env.generator, {
      gatewayUrl: services.urls.gateway,
      rate,
      seconds: runSeconds,
      workDir: env.tmp,
      name,
      p99ObjectiveMs: env.p99ObjectiveMs,
    });
  try {
    if (env.warmupS > 0) await load(env.warmupS, 'warmup');
    // Let the warm-up's spans drain, and its metrics and span metrics reach Prometheus, before
    // taking the "before" readings: the counters are cumulative, so the window is after − before.
    const intervals = {
      metricExportMs: env.metricExportIntervalMs,
      spanDelayMs: SPAN_EXPORT_DELAY_MS,
      spanMetricsFlushMs: env.spanMetricsFlushS * 1000,
    };
    await sleep(withMetrics ? settleMs(intervals) : 1_500);
    const metricsBefore = withMetrics ? await readMetrics(pipeline.prometheusUrl) : undefined;
    // Each part of the stack is a process tree (Postgres: the postmaster and its backends).
    // A Collector tier counts as one part: the router and every sampler.
    const collectorPids = [pipeline.collector.pid, ...(pipeline.tier?.samplers.map((s) => s.process.pid) ?? [])];
    const trees: Record<string, number> = {
      ...Object.fromEntries([...services.processes].map(([name, p]) => [name, p.pid])),
      jaeger: pipeline.jaeger.pid,
      prometheus: pipeline.prometheus.pid,
      postgres: postmasterPid(env.stack.postgres!.dataDir),
      'stripe-mock': env.stack.stripeMock.pid,
    };
    const cpuNow = (): Record<string, number> => ({
      ...Object.fromEntries(Object.entries(trees).map(([n, pid]) => [n, processTreeCpuSeconds(pid)])),
      'otel-collector': collectorPids.reduce((sum, pid) => sum + processTreeCpuSeconds(pid), 0),
      // The generator is the lab's only child that ends within the window (Vegeta: its attack, then
      // the encoding of its results): the growth of the reaped children's CPU.
      [LOAD_GENERATOR_PART]: reapedChildrenCpuSeconds(),
      machine: machineBusyCpuSeconds(),
    });
    const cpuBefore = cpuNow();
    const collectorBefore = await fetchText(pipeline.collectorMetricsUrl);
    const jaegerBefore = await fetchText(pipeline.jaegerMetricsUrl);
    const droppedBefore = countDropped(sdkLogs);

    const from = Date.now();
    const loadResult = await load(seconds, `${config.id}-${round}`);
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
    // The services' last metrics went out at their shutdown; the last spans' span metrics go out
    // at the Collector's next flush after the drain.
    if (withMetrics) await sleep(env.spanMetricsFlushS * 1000 + 1_500);
    const metricsAfter = metricsBefore ? await readMetrics(pipeline.prometheusUrl) : undefined;
    return {
      config: config.id,
      round,
      load: loadResult,
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
      metrics:
        metricsBefore && metricsAfter
          ? metricEstimates(metricsBefore, metricsAfter, { spanProbability: config.sdkRatio, windowS: seconds, truth: loadResult.answered })
          : undefined,
    };
  } finally {
    await services.stop();
    await pipeline.stop();
  }
}

/** The JS SDK reports spans its BatchSpanProcessor had to drop through its diagnostic logger. */
export function countDropped(lines: string[]): number {
  let dropped = 0;
  for (const line of lines) {
    const match = /Dropped (\d+) spans/.exec(line);
    if (match) dropped += Number(match[1]);
  }
  return dropped;
}

async function drain(pipeline: TelemetryPipeline): Promise<void> {
  let lastSent = -1;
  // Tail sampling holds traces for decision_wait (1 s here) before passing them on.
  await sleep(2_000);
  // Drained: the exporter's queue is empty and nothing more was sent in the last second.
  await waitFor(
    'the Collector to drain',
    async () => {
      // Every Collector of a tier: the samplers hold traces for their decision too.
      const urls = [pipeline.collectorMetricsUrl, ...(pipeline.tier?.samplers.map((s) => s.metricsUrl) ?? [])];
      const metrics = (await Promise.all(urls.map(fetchText))).join('\n');
      const sent = promSum(metrics, 'otelcol_exporter_sent_spans');
      const settled = promSum(metrics, 'otelcol_exporter_queue_size') === 0 && sent === lastSent;
      lastSent = sent;
      if (!settled) throw new Error(`${sent} spans sent so far`);
    },
    { timeoutMs: 30_000, intervalMs: 1_000 },
  ).catch(() => undefined); // after 30 s the run reports what did arrive
}
