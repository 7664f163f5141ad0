/** /map: the service map over a window (ServiceMapSvg), what it read and cost, and its edges as a table with the metrics' rates beside the traces'. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ChartWindow, RouteRef } from '@paytrace/metrics-analysis';
import { formatMs } from '@paytrace/trace-analysis';
import type { EdgeRates } from '../map-metrics.js';
import { MAP_SAMPLE, isFloor, type MapReading } from '../service-map.js';
import { clock } from './format.js';
import { renderPage } from './layout.js';
import { WindowSelect, routeKey } from './route-charts.js';
import { ServiceMapSvg, searchHref } from './service-map.js';
import { formatValue } from './time-chart.js';

export interface MapPageProps {
  reading: MapReading;
  window: ChartWindow;
  route: RouteRef | undefined;
  /** The SDKs' client metrics per edge (every call, whatever the sampling); undefined without Prometheus. */
  metrics: EdgeRates | undefined;
}

function Cost({ reading, route }: { reading: MapReading; route: RouteRef | undefined }) {
  const { map } = reading;
  return (
    <p class="hint" id="map-cost">
      {`From ${clock(reading.fromMs)} to ${clock(reading.toMs)}: ${map.traces} traces (${reading.tracesRead} returned) read in ${reading.jaegerCalls} Jaeger calls, `}
      {route
        ? `${routeKey(route)}'s traces, each ${MAP_SAMPLE.slices}th of the window searched, up to ${MAP_SAMPLE.pages} pages of ${MAP_SAMPLE.perPage}; every call in them counts. `
        : `each service's traces (${reading.services.join(', ')}), each ${MAP_SAMPLE.slices}th of the window searched, up to ${MAP_SAMPLE.pages} pages of ${MAP_SAMPLE.perPage}; each service's calls are counted from its own search. `}
      {map.samplingProbabilities.length > 0
        ? `The spans carry their sampling probability (ot=th in their tracestate: ${map.samplingProbabilities.map((p) => formatValue('ratio', p)).join(', ')}): each call counts 1/p, so the rates estimate every call the services made (a Collector's tail sampling, when on, is not in it). `
        : 'Rates are of the sampled traces Jaeger holds: no span carried a sampling threshold to scale them by. '}
      {reading.partialServices.length > 0
        ? `${reading.partialServices.join(', ')}: more than a page of traces in some slice of the window, so the traces' counts of their calls are floors (≥): a search returns no total, and which traces a full page holds is the store's choice, so it cannot be scaled up soundly. Errors and p95 are of the traces read; those edges' labels take the metrics' rate where it names the edge (every call). `
        : ''}
      {reading.servicesCut.length > 0 ? `Not searched (over ${MAP_SAMPLE.maxServices} services): ${reading.servicesCut.join(', ')}.` : ''}
    </p>
  );
}

function MetricsCell({ metrics, edgeKey }: { metrics: EdgeRates | undefined; edgeKey: string }) {
  if (!metrics || 'unavailable' in metrics) return <td class="num">–</td>;
  const rate = metrics.rates.get(edgeKey);
  return (
    <td class="num metrics" data-per-second={rate === undefined ? undefined : rate.toFixed(4)}>
      {rate === undefined ? '–' : formatValue('per-second', rate)}
    </td>
  );
}

function MapPage({ reading, window, route, metrics }: MapPageProps) {
  const { map } = reading;
  const rates = {
    metrics: route || !metrics || 'unavailable' in metrics ? undefined : metrics.rates,
    floors: new Set(map.edges.filter((e) => isFloor(e, reading)).map((e) => `${e.from} ${e.to}`)),
  };
  return (
    <>
      <h1>{`Service map, the last ${window}`}</h1>
      <form class="chart-filter" method="get" action="/map">
        <WindowSelect window={window} />
        <label>
          route <input type="text" name="route" size={32} placeholder="gateway POST /process-payment" value={route ? routeKey(route) : ''} />
        </label>
        <button type="submit">Show</button>
      </form>
      <Cost reading={reading} route={route} />
      {map.edges.length === 0 ? (
        <p class="empty">No calls in this window: Jaeger holds no traces of it yet.</p>
      ) : (
        <ServiceMapSvg map={map} lookback={window} rates={rates} />
      )}
      <p class="hint">A click on an edge searches the caller's calls to that callee; on a node, its spans.</p>
      <h2>Edges</h2>
      <table class="map-edges" id="map-edges">
        <thead>
          <tr>
            <th>caller → callee</th>
            <th class="num">calls/s (traces)</th>
            <th class="num">calls/s (metrics)</th>
            <th class="num">errors</th>
            <th class="num">p95</th>
            <th class="num">traces</th>
            <th class="num">spans read</th>
          </tr>
        </thead>
        <tbody>
          {map.edges.map((e) => (
            <tr data-from={e.from} data-to={e.to}>
              <td>
                <a href={searchHref(e.search, window)}>{`${e.from} → ${e.to}`}</a>
              </td>
              <td class="num">{`${rates.floors.has(`${e.from} ${e.to}`) ? '≥ ' : ''}${formatValue('per-second', e.perSecond)}`}</td>
              <MetricsCell metrics={route ? undefined : metrics} edgeKey={`${e.from} ${e.to}`} />
              <td class="num">{formatValue('ratio', e.errorRate)}</td>
              <td class="num">{formatMs(e.p95Us)}</td>
              <td class="num">{e.traces}</td>
              <td class="num">{e.spans}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint" id="map-metrics-note">
        {route
          ? 'The metrics count every route: they are left out when the map shows one route.'
          : !metrics
            ? 'No Prometheus is configured: the rates are the traces’ alone.'
            : 'unavailable' in metrics
              ? metrics.unavailable
              : `The metrics' rates are the SDKs' client histograms over the window (http.client.request.duration per caller and address, db.client.operation.duration per caller): every call, whatever the sampling. Errors and p95 are the traces'.`}
      </p>
    </>
  );
}

export function renderMapPage(props: MapPageProps): string {
  return renderPage({ title: 'Service map', section: 'map', children: <MapPage {...props} /> });
}
