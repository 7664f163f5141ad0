/** The gateway's POST /process-payment as Prometheus holds it (SDK metrics and span metrics), read over a window and turned into estimates with intervals. */
import type { PrometheusClient } from './prometheus-client.js';
import {
  histogramDelta,
  histogramFromCumulative,
  proportion,
  quantileFromHistogram,
  sampledCount,
  scaleBounds,
  type Estimate,
  type Histogram,
  type QuantileEstimate,
} from './estimates.js';

/** Where a figure comes from: the SDKs' own metrics (every request) or the Collector's span metrics (sampled spans, adjusted counts). */
export type MetricSource = 'sdk' | 'span';

/** What one source says at one instant, cumulative since the services started. */
export interface RouteReading {
  /** Requests per HTTP status code (adjusted counts for span metrics). */
  byStatus: Record<string, number>;
  /** Duration histogram in ms, every status together. */
  histogramMs: Histogram | undefined;
}

/** Label matchers of the gateway's POST /process-payment server requests, per source (names as Prometheus made them from OTLP). */
const SELECTORS: Record<MetricSource, { count: string; bucket: string; match: string; secondsToMs: number }> = {
  sdk: {
    count: 'http_server_request_duration_seconds_count',
    bucket: 'http_server_request_duration_seconds_bucket',
    match: 'service_name="gateway",http_route="/process-payment",http_request_method="POST"',
    secondsToMs: 1000,
  },
  span: {
    count: 'traces_span_metrics_calls_total',
    bucket: 'traces_span_metrics_duration_milliseconds_bucket',
    match: 'service_name="gateway",span_name="POST /process-payment",span_kind="SPAN_KIND_SERVER"',
    secondsToMs: 1,
  },
};

/**
 * One source's counters at `time` (unix seconds), summed over every series that matches (each
 * service instance is a series of its own). `extra` adds matchers, e.g. `instance="<uuid>"` (the
 * service.instance.id) to read only one set of services.
 */
export async function readRoute(client: PrometheusClient, source: MetricSource, time: number, extra = ''): Promise<RouteReading> {
  const s = SELECTORS[source];
  const match = extra ? `${s.match},${extra}` : s.match;
  const statuses = await client.query(`sum by (http_response_status_code) (${s.count}{${match}})`, time);
  const buckets = await client.query(`sum by (le) (${s.bucket}{${match}})`, time);
  const byStatus = Object.fromEntries(statuses.map((series) => [series.labels.http_response_status_code ?? '', series.samples[0]?.[1] ?? 0]));
  const cumulative = buckets.map((series): [number, number] => [
    series.labels.le === '+Inf' ? Infinity : Number(series.labels.le),
    series.samples[0]?.[1] ?? 0,
  ]);
  return { byStatus, histogramMs: cumulative.length ? scaleBounds(histogramFromCumulative(cumulative), s.secondsToMs) : undefined };
}

/** What was counted between two readings of one source (the counters are cumulative; a series new in `after` counts from 0). */
export function readingDelta(after: RouteReading, before: RouteReading): RouteReading {
  const byStatus = Object.fromEntries(Object.entries(after.byStatus).map(([code, n]) => [code, n - (before.byStatus[code] ?? 0)]));
  return { byStatus, histogramMs: after.histogramMs ? histogramDelta(after.histogramMs, before.histogramMs) : undefined };
}

/** A source's estimates for a window: requests, rate, 5xx share, p50/p95/p99 (ms), each with its 95 % interval. */
export interface RouteEstimate {
  /** The probability each request was counted with (1: the SDK's metrics, or 100 % sampling). */
  samplingProbability: number;
  /** Requests actually seen: k sampled spans (the adjusted count × p), or every request. */
  seen: number;
  requests: Estimate;
  ratePerS: Estimate;
  errorRate: Estimate;
  p50: QuantileEstimate | null;
  p95: QuantileEstimate | null;
  p99: QuantileEstimate | null;
}

/**
 * Estimates from one window's counts. At p = 1 every figure is exact up to bucket resolution. At
 * p < 1 the adjusted counts are turned back into the k spans that were sampled (each counted
 * about 1/p times; the Collector rounds 1/p stochastically, so × p and rounding recovers k):
 * requests from k (sampledCount), the 5xx share from the sampled 5xx of k (proportion), the
 * quantiles from the sampled histogram (quantileFromHistogram). Undefined when nothing was seen
 * (span metrics at ratio 0, metrics off): "no estimate", never 0.
 */
export function estimateRoute(window: RouteReading, p: number, seconds: number): RouteEstimate | undefined {
  const adjusted = Object.values(window.byStatus).reduce((a, b) => a + b, 0);
  const adjusted5xx = Object.entries(window.byStatus).reduce((sum, [code, n]) => (code.startsWith('5') ? sum + n : sum), 0);
  const seen = p >= 1 ? adjusted : Math.round(adjusted * p);
  if (!(seen > 0)) return undefined;
  const requests = p >= 1 ? { estimate: adjusted, low: adjusted, high: adjusted } : sampledCount(seen, p);
  const share = p >= 1 ? adjusted5xx / adjusted : undefined;
  const errorRate = share !== undefined ? { estimate: share, low: share, high: share } : proportion(Math.round(adjusted5xx * p), seen);
  const quantile = (q: number) => (window.histogramMs ? (quantileFromHistogram(window.histogramMs, q, p) ?? null) : null);
  const perSecond = (e: Estimate) => ({ estimate: e.estimate / seconds, low: e.low / seconds, high: e.high / seconds });
  return {
    samplingProbability: p,
    seen,
    requests,
    ratePerS: perSecond(requests),
    errorRate,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}
