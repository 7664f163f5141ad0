/** What the UI's charts read from Prometheus (MetricsSource): a route's RED figures with exemplars, a service's saturation; never throws. */
import {
  PrometheusClient,
  runtimeFindings,
  type RuntimeFinding,
  chartRange,
  knownRoutesQuery,
  routeExemplarSelector,
  routeRedQueries,
  saturationPanels,
  serviceRoutesQueries,
  toExemplarPoints,
  toPoints,
  toRouteRefs,
  toRouteSummaries,
  valueAt,
  CHART_WINDOWS,
  type ChartRange,
  type ChartWindow,
  type ExemplarPoint,
  type Point,
  type RouteRef,
  type RouteSummary,
  type SaturationPanel,
} from '@paytrace/metrics-analysis';
import { describeCause } from './errors.js';

/** Prometheus did not answer: the page still shows the rest, with this one line. */
export interface MetricsUnavailable {
  unavailable: string;
}

export interface RouteOverview {
  ref: RouteRef;
  range: ChartRange;
  /** Every route Prometheus has seen in the window, for the selector. */
  routes: RouteRef[];
  requestRate: Point[];
  errorShare: Point[];
  /** Seconds. */
  latency: { p50: Point[]; p95: Point[]; p99: Point[] };
  exemplars: ExemplarPoint[];
  /** rate[1m] and p99 over [1m] at the window's end: the last minute, to compare with a load generator's printout. */
  lastMinute: { rate: number | undefined; p99: number | undefined };
}

export interface ServiceOverview {
  service: string;
  range: ChartRange;
  /** Whether Prometheus has seen any request to this service in the window. */
  known: boolean;
  panels: Array<SaturationPanel & { points: Point[][] }>;
  routes: RouteSummary[];
}

export const isUnavailable = (m: object): m is MetricsUnavailable => 'unavailable' in m;

export class MetricsSource {
  private readonly client: PrometheusClient;

  constructor(readonly options: { url: string; timeoutMs: number }) {
    this.client = new PrometheusClient(options.url, { timeoutMs: options.timeoutMs });
  }

  private unavailable(err: unknown): MetricsUnavailable {
    return { unavailable: `Prometheus at ${this.options.url} did not answer (${describeCause(err)})` };
  }

  /** A route's rate, 5xx share, p50/p95/p99 and exemplars over the window ending now: every query at once. */
  async routeOverview(ref: RouteRef, window: ChartWindow, nowSeconds = Date.now() / 1000): Promise<RouteOverview | MetricsUnavailable> {
    const range = chartRange(window, nowSeconds);
    const q = routeRedQueries(ref);
    try {
      const [routes, requestRate, errorShare, p50, p95, p99, exemplars] = await Promise.all([
        this.client.query(knownRoutesQuery(CHART_WINDOWS[window]), range.end),
        this.client.queryRange(q.requestRate, range),
        this.client.queryRange(q.errorShare, range),
        this.client.queryRange(q.p50, range),
        this.client.queryRange(q.p95, range),
        this.client.queryRange(q.p99, range),
        this.client.exemplars(routeExemplarSelector(ref), range),
      ]);
      const rate = toPoints(requestRate);
      const latency = { p50: toPoints(p50), p95: toPoints(p95), p99: toPoints(p99) };
      return {
        ref,
        range,
        routes: toRouteRefs(routes),
        requestRate: rate,
        errorShare: toPoints(errorShare),
        latency,
        exemplars: toExemplarPoints(exemplars),
        lastMinute: { rate: valueAt(rate, range.end), p99: valueAt(latency.p99, range.end) },
      };
    } catch (err) {
      return this.unavailable(err);
    }
  }

  /**
   * The services their runtime metrics name over [fromMs, toMs] (a stalled event loop, a saturated
   * pool), for the verdict: none when Prometheus does not answer (the verdict is then the traces'
   * alone, as before metrics).
   */
  async runtimeFindings(fromMs: number, toMs: number): Promise<RuntimeFinding[]> {
    try {
      return (await runtimeFindings(this.client, { start: fromMs / 1000, end: toMs / 1000 })).findings;
    } catch {
      return [];
    }
  }

  /** A service's saturation panels and its routes' RED over the window ending now: every query at once. */
  async serviceOverview(service: string, window: ChartWindow, nowSeconds = Date.now() / 1000): Promise<ServiceOverview | MetricsUnavailable> {
    const range = chartRange(window, nowSeconds);
    const panels = saturationPanels(service);
    const routesQ = serviceRoutesQueries(service, CHART_WINDOWS[window]);
    try {
      const [known, rate, failedRate, p99, ...lines] = await Promise.all([
        this.client.query(knownRoutesQuery(CHART_WINDOWS[window]), range.end),
        this.client.query(routesQ.rate, range.end),
        this.client.query(routesQ.failedRate, range.end),
        this.client.query(routesQ.p99, range.end),
        ...panels.flatMap((panel) => panel.lines.map((line) => this.client.queryRange(line.query, range))),
      ]);
      let next = 0;
      return {
        service,
        range,
        known: toRouteRefs(known).some((r) => r.service === service),
        panels: panels.map((panel) => ({ ...panel, points: panel.lines.map(() => toPoints(lines[next++]!)) })),
        routes: toRouteSummaries({ rate, failedRate, p99 }),
      };
    } catch (err) {
      return this.unavailable(err);
    }
  }
}
