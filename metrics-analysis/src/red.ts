/** The RED questions (rate, errors, duration) the web UI asks Prometheus of one route, as PromQL builders and the shaping of the answers. */
import type { Exemplar, Series } from './prometheus-client.js';

/** One route of one service, as the SDK's HTTP server metrics name it. */
export interface RouteRef {
  service: string;
  /** e.g. POST */
  method: string;
  /** The route's template, e.g. /process-payment or /v1/holds/:hold_key/capture. */
  route: string;
}

/** The windows a chart can show, in seconds. */
export const CHART_WINDOWS = { '5m': 300, '15m': 900, '1h': 3_600 } as const;
export type ChartWindow = keyof typeof CHART_WINDOWS;

/** A range query's span: `end` is now; 60 steps per window (5 s, 15 s, 60 s), so every chart has about 60 points. */
export interface ChartRange {
  start: number;
  end: number;
  stepSeconds: number;
}

export function chartRange(window: ChartWindow, nowSeconds: number): ChartRange {
  const seconds = CHART_WINDOWS[window];
  const stepSeconds = seconds / 60;
  // Whole steps, so the last point is at `end` exactly: the chart's last point is "now".
  const end = Math.floor(nowSeconds);
  return { start: end - seconds, end, stepSeconds };
}

/** A PromQL label value: a double-quoted string (Go's escapes, which JSON's are a subset of). */
export const labelValue = (value: string): string => JSON.stringify(value);

/** `{a="x",b=~"y"}` from a list of [label, operator, value]. */
export function matchers(list: Array<[label: string, op: '=' | '=~', value: string]>): string {
  return `{${list.map(([label, op, value]) => `${label}${op}${labelValue(value)}`).join(',')}}`;
}

const routeMatchers = (ref: RouteRef, extra: Array<[string, '=' | '=~', string]> = []) =>
  matchers([['service_name', '=', ref.service], ['http_request_method', '=', ref.method], ['http_route', '=', ref.route], ...extra]);

const SERVER = 'http_server_request_duration_seconds';
/** The rate window under every "over time" figure: a minute, what a reader compares with a load generator's printout. */
const RATE_WINDOW = '1m';

/**
 * The route's RED figures over time, from the SDK's http.server.request.duration histogram
 * (every request counted, whatever the trace sampling keeps).
 */
export function routeRedQueries(ref: RouteRef) {
  const all = routeMatchers(ref);
  const failed = routeMatchers(ref, [['http_response_status_code', '=~', '5..']]);
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(${SERVER}_bucket${all}[${RATE_WINDOW}])))`;
  return {
    /** Requests per second. */
    requestRate: `sum(rate(${SERVER}_count${all}[${RATE_WINDOW}]))`,
    /** The share of requests answered 5xx (4xx are the client's mistakes, not the service's errors); no 5xx series is 0. */
    errorShare: `(sum(rate(${SERVER}_count${failed}[${RATE_WINDOW}])) or vector(0)) / sum(rate(${SERVER}_count${all}[${RATE_WINDOW}]))`,
    /** Seconds. */
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}

/**
 * The span metrics' duration buckets of the route's SERVER span: their exemplars are single
 * requests, with the trace they belong to. The span metrics name a server span `METHOD route`.
 */
export function routeExemplarSelector(ref: RouteRef): string {
  return `traces_span_metrics_duration_milliseconds_bucket${matchers([
    ['service_name', '=', ref.service],
    ['span_kind', '=', 'SPAN_KIND_SERVER'],
    ['span_name', '=', `${ref.method} ${ref.route}`],
  ])}`;
}

/** Every route Prometheus has seen requests for in the last `lookbackSeconds`, per service. */
export function knownRoutesQuery(lookbackSeconds: number): string {
  return `group by (service_name, http_request_method, http_route) (last_over_time(${SERVER}_count[${lookbackSeconds}s]))`;
}

export function toRouteRefs(series: Series[]): RouteRef[] {
  return series
    .map((s) => ({ service: s.labels.service_name ?? '', method: s.labels.http_request_method ?? '', route: s.labels.http_route ?? '' }))
    .filter((r) => r.service && r.method && r.route)
    .sort((a, b) => a.service.localeCompare(b.service) || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
}

/** One point of a chart: unix seconds, value. */
export interface Point {
  t: number;
  v: number;
}

/** The first series of an answer (the builders above sum to one) as points, NaN and ±Inf left out (they are gaps: no requests). */
export function toPoints(series: Series[]): Point[] {
  return (series[0]?.samples ?? []).filter(([, v]) => Number.isFinite(v)).map(([t, v]) => ({ t, v }));
}

/** The value at the range's end (the last minute, for rate[1m]), if the last point is there. */
export function valueAt(points: Point[], t: number): number | undefined {
  const last = points.at(-1);
  return last && last.t === t ? last.v : undefined;
}

/** One request drawn on a latency chart: when, how long (seconds), and its trace. */
export interface ExemplarPoint {
  t: number;
  seconds: number;
  traceId: string;
  spanId: string | undefined;
}

/**
 * Exemplars as chart points: the span metrics record milliseconds, the chart seconds; one point
 * per trace (an exemplar can sit on more than one bucket series), oldest first, and at most
 * `max`, spread evenly over the answer so a busy window is not only its first minutes.
 */
export function toExemplarPoints(exemplars: Exemplar[], max = 120): ExemplarPoint[] {
  const byTrace = new Map<string, ExemplarPoint>();
  for (const e of exemplars) {
    if (!e.traceId || !/^[0-9a-f]{32}$/.test(e.traceId) || !Number.isFinite(e.value) || byTrace.has(e.traceId)) continue;
    byTrace.set(e.traceId, { t: e.timestamp, seconds: e.value / 1000, traceId: e.traceId, spanId: e.spanId });
  }
  const points = [...byTrace.values()].sort((a, b) => a.t - b.t);
  if (points.length <= max) return points;
  return Array.from({ length: max }, (_, i) => points[Math.floor((i * points.length) / max)]!);
}

/** One row of a service's routes table. */
export interface RouteSummary {
  method: string;
  route: string;
  /** Requests per second over the window. */
  rate: number;
  /** Share of 5xx over the window. */
  errorShare: number;
  /** Seconds; undefined when there were no requests. */
  p99: number | undefined;
}

/** A service's routes over a whole window: rate, share of 5xx and p99 per route. */
export function serviceRoutesQueries(service: string, windowSeconds: number) {
  const all = matchers([['service_name', '=', service]]);
  const failed = matchers([
    ['service_name', '=', service],
    ['http_response_status_code', '=~', '5..'],
  ]);
  const by = 'sum by (http_request_method, http_route)';
  const w = `${windowSeconds}s`;
  return {
    rate: `${by} (rate(${SERVER}_count${all}[${w}]))`,
    failedRate: `${by} (rate(${SERVER}_count${failed}[${w}]))`,
    p99: `histogram_quantile(0.99, sum by (http_request_method, http_route, le) (rate(${SERVER}_bucket${all}[${w}])))`,
  };
}

/** The three answers of serviceRoutesQueries joined by route, busiest first. */
export function toRouteSummaries(answers: { rate: Series[]; failedRate: Series[]; p99: Series[] }): RouteSummary[] {
  const key = (s: Series) => `${s.labels.http_request_method ?? ''} ${s.labels.http_route ?? ''}`;
  const value = (s: Series | undefined) => s?.samples[0]?.[1];
  const failed = new Map(answers.failedRate.map((s) => [key(s), value(s)]));
  const p99 = new Map(answers.p99.map((s) => [key(s), value(s)]));
  return answers.rate
    .filter((s) => s.labels.http_route)
    .map((s) => {
      const rate = value(s) ?? 0;
      const quantile = p99.get(key(s));
      return {
        method: s.labels.http_request_method ?? '',
        route: s.labels.http_route!,
        rate,
        errorShare: rate > 0 ? (failed.get(key(s)) ?? 0) / rate : 0,
        p99: quantile !== undefined && Number.isFinite(quantile) ? quantile : undefined,
      };
    })
    .sort((a, b) => b.rate - a.rate || a.route.localeCompare(b.route));
}
