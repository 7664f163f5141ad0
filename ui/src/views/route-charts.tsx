/** The front page's metrics section (RouteCharts): a route's request rate, 5xx share and latency p50/p95/p99 over a window, with exemplar dots, and the last minute as text. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ChartWindow, RouteRef } from '@paytrace/metrics-analysis';
import { CHART_WINDOWS } from '@paytrace/metrics-analysis';
import { isUnavailable, type MetricsUnavailable, type RouteOverview } from '../metrics.js';
import { clock } from './format.js';
import { TimeChart, formatValue } from './time-chart.js';

/** A route in the page's query string and selector: `gateway POST /process-payment`. */
export const routeKey = (ref: RouteRef): string => `${ref.service} ${ref.method} ${ref.route}`;

export function parseRouteKey(key: string): RouteRef | undefined {
  const match = /^(\S+) ([A-Z]+) (\/\S*)$/.exec(key);
  return match ? { service: match[1]!, method: match[2]!, route: match[3]! } : undefined;
}

export const DEFAULT_ROUTE: RouteRef = { service: 'gateway', method: 'POST', route: '/process-payment' };

const LATENCY_COLORS = { p50: '#59a14f', p95: '#edc948', p99: '#e15759' };

export interface RouteChartsProps {
  ref: RouteRef;
  window: ChartWindow;
  overview: RouteOverview | MetricsUnavailable | undefined;
  /** The other filters of the page, kept when the selector is submitted. */
  keep?: Record<string, string>;
}

/** The chart window's select (5m, 15m, 1h), on / and on a service's page. */
export function WindowSelect({ window }: { window: ChartWindow }) {
  return (
    <label>
      window{' '}
      <select name="window">
        {Object.keys(CHART_WINDOWS).map((w) => (
          <option value={w} selected={w === window}>
            {`last ${w}`}
          </option>
        ))}
      </select>
    </label>
  );
}

function Selector({ ref, window, routes, keep = {} }: { ref: RouteRef; window: ChartWindow; routes: RouteRef[]; keep?: Record<string, string> }) {
  // The chosen route stays in the list even when Prometheus has not seen it (yet).
  const all = routes.some((r) => routeKey(r) === routeKey(ref)) ? routes : [ref, ...routes];
  const services = [...new Set(all.map((r) => r.service))];
  return (
    <form class="chart-filter" method="get" action="/" id="metrics-form">
      {Object.entries(keep).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <label>
        route{' '}
        <select name="route">
          {services.map((service) => (
            <optgroup label={service}>
              {all
                .filter((r) => r.service === service)
                .map((r) => (
                  <option value={routeKey(r)} selected={routeKey(r) === routeKey(ref)}>
                    {`${r.service} ${r.method} ${r.route}`}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
      </label>
      <WindowSelect window={window} />
      <button type="submit">Show</button>
      <a href={`/services/${encodeURIComponent(ref.service)}?window=${window}`} id="service-link">
        {`${ref.service}: saturation and routes →`}
      </a>
    </form>
  );
}

export function RouteCharts({ ref, window, overview, keep }: RouteChartsProps) {
  if (!overview) {
    return (
      <section class="metrics" id="metrics">
        <p class="metrics-note" id="metrics-unavailable">
          No Prometheus configured (PROMETHEUS_URL): no charts, the traces below are all there is.
        </p>
      </section>
    );
  }
  if (isUnavailable(overview)) {
    return (
      <section class="metrics" id="metrics">
        <p
          class="metrics-note"
          id="metrics-unavailable"
        >{`No charts: ${overview.unavailable}. The traces below come from Jaeger and are unaffected.`}</p>
      </section>
    );
  }
  const { range, lastMinute } = overview;
  const dots = overview.exemplars.map((e) => ({
    t: e.t,
    v: e.seconds,
    traceId: e.traceId,
    title: `${formatValue('seconds', e.seconds)} at ${clock(e.t * 1000)}: trace ${e.traceId}`,
  }));
  return (
    <section class="metrics" id="metrics" data-route={routeKey(ref)}>
      <h2>{`${ref.method} ${ref.route} on ${ref.service}, the last ${window}`}</h2>
      <Selector ref={ref} window={window} routes={overview.routes} keep={keep ?? {}} />
      <p class="last-minute" id="last-minute" data-rate={lastMinute.rate ?? ''} data-p99-seconds={lastMinute.p99 ?? ''}>
        The last minute: <strong>{lastMinute.rate === undefined ? 'no requests' : formatValue('per-second', lastMinute.rate)}</strong>, p99{' '}
        <strong>{lastMinute.p99 === undefined ? '–' : formatValue('seconds', lastMinute.p99)}</strong>{' '}
        <span class="hint">(rate and p99 over the minute up to {clock(range.end * 1000)}, from every request the SDK counted)</span>
      </p>
      <div class="charts">
        <div>
          <h4>Request rate (requests per second, over 1 min)</h4>
          <TimeChart id="rate" range={range} unit="per-second" lines={[{ name: 'req/s', color: '#4e79a7', points: overview.requestRate }]} />
        </div>
        <div>
          <h4>Error rate: the share of requests answered 5xx (4xx are the client's and not counted)</h4>
          <TimeChart
            id="errors"
            range={range}
            unit="ratio"
            minTop={0.05}
            lines={[{ name: '5xx share', color: '#c62828', points: overview.errorShare }]}
          />
        </div>
        <div>
          <h4>Latency p50 / p95 / p99 (server duration histogram, over 1 min) and single requests from the span metrics' exemplars</h4>
          <TimeChart
            id="latency"
            range={range}
            unit="seconds"
            lines={(['p50', 'p95', 'p99'] as const).map((q) => ({ name: q, color: LATENCY_COLORS[q], points: overview.latency[q] }))}
            dots={dots}
          />
        </div>
      </div>
    </section>
  );
}
