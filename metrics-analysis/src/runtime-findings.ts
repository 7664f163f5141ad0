/** Runtime findings from the services' metrics: which process stalled (event loop, pool, in flight) in a window, against a baseline. */
import type { PrometheusClient } from './prometheus-client.js';

/** One service's runtime figures over one window; undefined where the service exported none. */
export interface RuntimeFigures {
  /** Event-loop delay p99 (mean of the exported p99s over the window), ms. */
  delayP99Ms?: number | undefined;
  /** The largest event-loop delay the window saw, ms. */
  delayMaxMs?: number | undefined;
  /** Event-loop utilization (0..1), mean over the window. */
  utilization?: number | undefined;
  /** Requests in flight (all routes), mean over the window. */
  inFlight?: number | undefined;
  /** Requests answered per second over the window (all routes). */
  requestRate?: number | undefined;
  /** Requests waiting for a database connection: the mean over the window, and the most at once. */
  poolPending?: number | undefined;
  poolPendingPeak?: number | undefined;
  /** The most database connections in use at once, and the pool's size. */
  poolUsed?: number | undefined;
  poolMax?: number | undefined;
}

/** What a finding is about: a stalled event loop, a saturated connection pool, requests piling up. */
export type RuntimeFindingKind = 'event-loop' | 'pool' | 'in-flight';

/**
 * A service named from its metrics, with the figure that shows it. Plain data, the same shape as
 * @paytrace/trace-analysis's RuntimeFinding (the two packages do not import each other).
 */
export interface RuntimeFinding {
  service: string;
  kind: RuntimeFindingKind;
  /** The figure in the window (ms for event-loop, requests for pool and in-flight). */
  value: number;
  /** What it is compared with (the baseline), same unit; undefined when there was none. */
  baseline: number | undefined;
  /** e.g. "auth: event-loop delay p99 104 ms over the window (max 131 ms), 6 ms before; loop utilization 12%". */
  summary: string;
}

export interface RuntimeServiceFigures {
  service: string;
  window: RuntimeFigures;
  /** The same length just before the window. */
  before: RuntimeFigures;
}

export interface RuntimeReport {
  /** Unix seconds. */
  start: number;
  end: number;
  services: RuntimeServiceFigures[];
  /** Largest event-loop delay first, then pools, then in flight. */
  findings: RuntimeFinding[];
}

/** When a figure names a service: it must rise `factor` times above its baseline and reach `floor`. */
export interface RuntimeThresholds {
  /**
   * Event-loop delay p99, ms. Healthy services on this 2-core shared machine measured 12–19 ms at
   * 20 req/s and 21–43 ms with the stack pushed past its throughput (monitorEventLoopDelay's 10 ms
   * resolution is the bottom); one stopped 100 ms of every 300, 106–109 ms. The max is not used:
   * a healthy one reached 116 ms (one GC, one burst of a neighbour). Measurements: docs/detective.md.
   */
  delayFloorMs: number;
  delayFactor: number;
  /**
   * Requests waiting for a database connection, mean over the window, with every connection in use
   * at some point. A healthy stack driven past its throughput (16 clients, 78 req/s) peaked at 3
   * waiting in balance's pool of 10, but waited only now and then; 1 on average is a queue.
   */
  poolPendingFloor: number;
  /**
   * Requests in flight, mean over the window; named when the time each spends in the service
   * (Little's law: in flight ÷ requests per second) rises `inFlightFactor` times. More load alone
   * raises the count (the gateway holds each request for its whole life), not the time much:
   * 21 → 85 req/s took the gateway's 0.8 in flight to 8, its time from 38 to 94 ms (2.5×); 16
   * clients past the stack's throughput doubled it again. A stack pushed from idle into overload
   * can pass 4× too: that is a queue, true, but the verdict never names a service for it alone.
   */
  inFlightFloor: number;
  inFlightFactor: number;
}

export const DEFAULT_RUNTIME_THRESHOLDS: Readonly<RuntimeThresholds> = {
  delayFloorMs: 50,
  delayFactor: 2.5,
  poolPendingFloor: 1,
  inFlightFloor: 4,
  inFlightFactor: 4,
};

type FigureName = keyof RuntimeFigures;

/**
 * One PromQL per figure, per service over `[windowSeconds]` ending at the query's time. `matchers`
 * narrows every selector (e.g. `instance="<uuid>"`: one stack's series among several).
 * Instances of one service are folded by max: the worst process is the one to name.
 */
export function runtimeQueries(windowSeconds: number, matchers = ''): Record<FigureName, string> {
  const w = `${Math.max(1, Math.round(windowSeconds))}s`;
  const sel = (metric: string, extra = '') => `${metric}{${[matchers, extra].filter(Boolean).join(',')}}[${w}]`;
  return {
    delayP99Ms: `max by (service_name) (avg_over_time(${sel('nodejs_eventloop_delay_p99_seconds')})) * 1000`,
    delayMaxMs: `max by (service_name) (max_over_time(${sel('nodejs_eventloop_delay_max_seconds')})) * 1000`,
    utilization: `max by (service_name) (avg_over_time(${sel('nodejs_eventloop_utilization_ratio')}))`,
    inFlight: `max by (service_name) (sum by (service_name, instance) (avg_over_time(${sel('http_server_active_requests')})))`,
    requestRate: `max by (service_name) (sum by (service_name, instance) (rate(${sel('http_server_request_duration_seconds_count')})))`,
    poolPending: `max by (service_name) (avg_over_time(${sel('db_client_connection_pending_requests')}))`,
    poolPendingPeak: `max by (service_name) (max_over_time(${sel('db_client_connection_pending_requests')}))`,
    poolUsed: `max by (service_name) (max_over_time(${sel('db_client_connection_count', 'db_client_connection_state="used"')}))`,
    poolMax: `max by (service_name) (max_over_time(${sel('db_client_connection_max')}))`,
  };
}

/** The median of some numbers (undefined for none). */
function median(values: number[]): number | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const minDefined = (...values: Array<number | undefined>) => {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length ? Math.min(...defined) : undefined;
};
/** Little's law: the mean time a request spends in the service, ms (undefined without traffic). */
const timeInService = (f: RuntimeFigures) =>
  f.inFlight !== undefined && f.requestRate !== undefined && f.requestRate > 0 ? (f.inFlight / f.requestRate) * 1000 : undefined;
const ms = (x: number) => `${x >= 10 ? Math.round(x) : x.toFixed(1)} ms`;
const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/**
 * Which services the figures name. The baseline of a service's figure is the lower of (a) its own
 * figure just before the window and (b) the median of the other services' figures in the window:
 * (a) alone misses a stall that began before the baseline window, (b) alone misses a whole machine
 * starved at once (then every service rises against its own past). A service's event loop is
 * judged only once it has a figure before the window (it did not start during it). Pure.
 */
export function judgeRuntime(services: RuntimeServiceFigures[], thresholds: RuntimeThresholds = DEFAULT_RUNTIME_THRESHOLDS): RuntimeFinding[] {
  const others = (service: string, figure: FigureName) =>
    median(services.filter((s) => s.service !== service).flatMap((s) => (s.window[figure] === undefined ? [] : [s.window[figure]!])));
  const findings: RuntimeFinding[] = [];
  for (const { service, window, before } of services) {
    const p99 = window.delayP99Ms;
    // A service with no figure before the window started during it: its loop ran late while it
    // loaded and compiled its code (a fresh gateway's first minute read 105 ms), which is no stall.
    if (p99 !== undefined && before.delayP99Ms !== undefined) {
      const baseline = minDefined(before.delayP99Ms, others(service, 'delayP99Ms'))!;
      if (p99 >= thresholds.delayFloorMs && p99 >= thresholds.delayFactor * baseline) {
        const max = window.delayMaxMs === undefined ? '' : ` (max ${ms(window.delayMaxMs)})`;
        const was = `, ${ms(before.delayP99Ms)} before`;
        const elu = window.utilization === undefined ? '' : `; loop utilization ${Math.round(window.utilization * 100)}%`;
        findings.push({
          service,
          kind: 'event-loop',
          value: p99,
          baseline,
          summary: `${service}: event-loop delay p99 ${ms(p99)} over the window${max}${was}${elu}`,
        });
      }
    }
    const pending = window.poolPending;
    const full = window.poolUsed !== undefined && window.poolMax !== undefined && window.poolUsed >= window.poolMax;
    if (pending !== undefined && pending >= thresholds.poolPendingFloor && full && (before.poolPending ?? 0) < pending / 2) {
      const peak = window.poolPendingPeak === undefined ? '' : ` (${num(window.poolPendingPeak)} at most)`;
      findings.push({
        service,
        kind: 'pool',
        value: pending,
        baseline: before.poolPending,
        summary:
          `${service}: ${num(pending)} requests waiting for a database connection on average${peak}, all ${num(window.poolMax!)} connections in use, ` +
          `${num(before.poolPending ?? 0)} before`,
      });
    }
    const inFlight = window.inFlight;
    const time = timeInService(window);
    const timeBefore = timeInService(before);
    if (inFlight !== undefined && time !== undefined && inFlight >= thresholds.inFlightFloor) {
      if (timeBefore === undefined || time >= thresholds.inFlightFactor * timeBefore) {
        // In flight is sampled at each export: a lightly loaded service reads 0, which is no time at all.
        const was = timeBefore === undefined ? '' : timeBefore === 0 ? ', none in flight before' : `, ${ms(timeBefore)} before`;
        findings.push({
          service,
          kind: 'in-flight',
          value: inFlight,
          baseline: before.inFlight,
          summary: `${service}: ${num(inFlight)} requests in flight on average, each ${ms(time)} in the service at ${num(window.requestRate!)} req/s${was}`,
        });
      }
    }
  }
  const order: Record<RuntimeFindingKind, number> = { 'event-loop': 0, pool: 1, 'in-flight': 2 };
  return findings.sort((a, b) => order[a.kind] - order[b.kind] || b.value - a.value);
}

export interface RuntimeFindingsOptions {
  /** The window, unix seconds. The baseline is the same length just before it. */
  start: number;
  end: number;
  /** PromQL label matchers for every selector, e.g. `instance="…"`. */
  matchers?: string;
  thresholds?: RuntimeThresholds;
}

/** Figures per service from the answers of runtimeQueries, one answer per figure name. */
export function figuresByService(answers: Partial<Record<FigureName, Array<{ labels: Record<string, string>; samples: Array<[number, number]> }>>>) {
  const byService = new Map<string, RuntimeFigures>();
  for (const [figure, series] of Object.entries(answers) as Array<[FigureName, NonNullable<(typeof answers)[FigureName]>]>) {
    for (const s of series) {
      const service = s.labels.service_name;
      const value = s.samples[0]?.[1];
      if (!service || value === undefined || !Number.isFinite(value)) continue;
      byService.set(service, { ...byService.get(service), [figure]: value });
    }
  }
  return byService;
}

/** Reads the figures of the window and of the same length before it, and judges them. */
export async function runtimeFindings(client: PrometheusClient, options: RuntimeFindingsOptions): Promise<RuntimeReport> {
  const { start, end } = options;
  if (!(end > start)) throw new Error(`runtimeFindings: the window must end after it starts (${start}..${end})`);
  const queries = Object.entries(runtimeQueries(end - start, options.matchers)) as Array<[FigureName, string]>;
  const at = async (time: number) =>
    figuresByService(Object.fromEntries(await Promise.all(queries.map(async ([figure, q]) => [figure, await client.query(q, time)] as const))));
  const [window, before] = await Promise.all([at(end), at(start)]);
  const services = [...new Set([...window.keys(), ...before.keys()])]
    .sort()
    .map((service) => ({ service, window: window.get(service) ?? {}, before: before.get(service) ?? {} }));
  return { start, end, services, findings: judgeRuntime(services, options.thresholds) };
}
