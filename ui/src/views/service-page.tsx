/** /services/<name>: one service's saturation panels over the window (each a TimeChart) and its routes' rate, 5xx share and p99. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ChartWindow } from '@paytrace/metrics-analysis';
import type { ServiceOverview } from '../metrics.js';
import { clock, serviceColor } from './format.js';
import { renderPage } from './layout.js';
import { WindowSelect, routeKey } from './route-charts.js';
import { TimeChart, formatValue } from './time-chart.js';

/** A second line in a panel is drawn in grey (the pool's size), a third in red (the waits). */
const LINE_COLORS = ['', '#8a94a3', '#c62828'];

function ServicePage({ overview, window }: { overview: ServiceOverview; window: ChartWindow }) {
  const { service, range, panels, routes } = overview;
  const color = serviceColor(service);
  return (
    <>
      <h1>{`${service}: saturation, the last ${window}`}</h1>
      <form class="chart-filter" method="get" action={`/services/${encodeURIComponent(service)}`}>
        <WindowSelect window={window} />
        <button type="submit">Show</button>
        <span class="hint">{`from ${clock(range.start * 1000)} to ${clock(range.end * 1000)}, a point every ${range.stepSeconds} s; the services' own metrics (OpenTelemetry SDK), in Prometheus`}</span>
      </form>
      <h2>Routes</h2>
      <table class="routes" id="routes">
        <thead>
          <tr>
            <th>route</th>
            <th class="num">requests/s</th>
            <th class="num">5xx share</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {routes.map((r) => (
            <tr data-route={`${r.method} ${r.route}`}>
              <td>
                <a
                  href={`/?${new URLSearchParams({ route: routeKey({ service, method: r.method, route: r.route }), window })}`}
                >{`${r.method} ${r.route}`}</a>
              </td>
              <td class="num">{formatValue('per-second', r.rate)}</td>
              <td class="num">{formatValue('ratio', r.errorShare)}</td>
              <td class="num">{r.p99 === undefined ? '–' : formatValue('seconds', r.p99)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">Averages over the whole window, from the server duration histogram; a route's link opens its charts on the front page.</p>
      <h2>Saturation</h2>
      <div class="charts">
        {panels.map((panel) => {
          const empty = panel.points.every((p) => p.length === 0);
          return (
            <section class="panel" id={`panel-${panel.id}`} data-empty={empty ? 'true' : 'false'}>
              <h4>{panel.title}</h4>
              <p class="hint">
                {panel.meaning}
                {empty && panel.id === 'pg-pool' ? ` ${service} has no Postgres pool, or has not used it in this window.` : ''}
              </p>
              <TimeChart
                id={panel.id}
                range={range}
                unit={panel.unit}
                minTop={panel.unit === 'ratio' ? 1 : 0}
                lines={panel.lines.map((line, i) => ({ name: line.name, color: LINE_COLORS[i] || color, points: panel.points[i]! }))}
              />
            </section>
          );
        })}
      </div>
    </>
  );
}

export function renderServicePage(overview: ServiceOverview, window: ChartWindow): string {
  return renderPage({ title: `${overview.service}: saturation`, section: 'traces', children: <ServicePage overview={overview} window={window} /> });
}
