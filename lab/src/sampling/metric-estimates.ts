/** The lab's metric estimates: Prometheus read before and after a configuration's measured window, each source's estimates beside the load generator's truth. */
import {
  compareWithTruth,
  estimateRoute,
  PrometheusClient,
  readingDelta,
  readRoute,
  type Estimate,
  type RouteEstimate,
  type RouteReading,
} from '@paytrace/metrics-analysis';
import type { EstimateVsTruth, MetricEstimates, MetricSourceEstimate } from '@paytrace/loadtest/sampling-lab-json';
import type { LoadResult } from '../load/load-result.js';

/** Both sources' cumulative counters of the gateway's POST /process-payment at one instant. */
export interface MetricReadings {
  sdk: RouteReading;
  span: RouteReading;
}

/** Both sources, now. Prometheus is the measurement's own (fresh per configuration), so every series is this run's. */
export async function readMetrics(prometheusUrl: string): Promise<MetricReadings> {
  const client = new PrometheusClient(prometheusUrl);
  const now = Date.now() / 1000;
  return { sdk: await readRoute(client, 'sdk', now), span: await readRoute(client, 'span', now) };
}

/**
 * How long to wait after the last request before a reading holds every one of them: the SDK's
 * export interval, or the span's way through the batch span processor (OTEL_BSP_SCHEDULE_DELAY,
 * 5 s by default) then the Collector's span-metric flush, whichever is longer, plus the
 * Collector's batch (200 ms) and Prometheus's ingestion (margin 1.5 s).
 */
export function settleMs(intervals: { metricExportMs: number; spanDelayMs: number; spanMetricsFlushMs: number }): number {
  return Math.max(intervals.metricExportMs, intervals.spanDelayMs + intervals.spanMetricsFlushMs) + 1_500;
}

const round = (x: number, digits: number) => (Number.isFinite(x) ? +x.toFixed(digits) : x);

function vsTruth(e: Estimate, truth: number | null | undefined, digits: number): EstimateVsTruth {
  const c = compareWithTruth(e, truth);
  return {
    estimate: round(c.estimate, digits),
    ci95: [round(c.low, digits), Number.isFinite(c.high) ? round(c.high, digits) : null],
    truth: c.truth === null ? null : round(c.truth, digits),
    error_rel: c.errorRel === null ? null : round(c.errorRel, 4),
    truth_inside: c.truthInside,
  };
}

function sourceVsTruth(e: RouteEstimate, truth: LoadResult['answered'], windowS: number): MetricSourceEstimate {
  const q = (key: 'p50' | 'p95' | 'p99') => {
    const estimate = e[key];
    return estimate ? vsTruth(estimate, truth?.latencyMs[key], 2) : null;
  };
  return {
    sampling_probability: e.samplingProbability,
    seen: e.seen,
    requests: vsTruth(e.requests, truth?.requests, 0),
    rate_rps: vsTruth(e.ratePerS, truth ? truth.requests / windowS : null, 2),
    error_rate: vsTruth(e.errorRate, truth && truth.requests > 0 ? truth.serverErrors / truth.requests : null, 5),
    p50_ms: q('p50'),
    p95_ms: q('p95'),
    p99_ms: q('p99'),
  };
}

/**
 * Each source's estimates for the window between two readings (taken after the warm-up had
 * settled, and after the load had), against the generator's truth for that window. The SDK's
 * metrics see every request (p = 1); span metrics see the sampled ones at the SDK's probability
 * `spanProbability` (null or 0: nothing is sampled, so no estimate).
 */
export function metricEstimates(
  before: MetricReadings,
  after: MetricReadings,
  run: { spanProbability: number | null; windowS: number; truth: LoadResult['answered'] },
): MetricEstimates {
  const sdk = estimateRoute(readingDelta(after.sdk, before.sdk), 1, run.windowS);
  const p = run.spanProbability;
  const span = p ? estimateRoute(readingDelta(after.span, before.span), p, run.windowS) : undefined;
  return {
    window_s: run.windowS,
    sdk: sdk ? sourceVsTruth(sdk, run.truth, run.windowS) : null,
    span: span ? sourceVsTruth(span, run.truth, run.windowS) : null,
  };
}
