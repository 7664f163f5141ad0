/** GET /map: the service map over a window (5m, 15m, 1h), optionally of one route's traces, from Jaeger, with Prometheus's per-edge rates beside. */
import type { FastifyInstance } from 'fastify';
import { CHART_WINDOWS, type ChartWindow } from '@paytrace/metrics-analysis';
import { edgeRates } from '../map-metrics.js';
import type { ServiceMapSource } from '../service-map.js';
import { parseRouteKey } from '../views/route-charts.js';
import { renderMapPage } from '../views/map-page.js';

interface MapQuery {
  window?: ChartWindow;
  /** One route's traces only, `<service> <METHOD> <route>`; an empty box is every trace. */
  route?: string;
}

export function mapRoutes(
  app: FastifyInstance,
  opts: { maps: ServiceMapSource; prometheus: { url: string; timeoutMs: number } | undefined; settleMs: number },
): void {
  app.get<{ Querystring: MapQuery }>(
    '/map',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            window: { type: 'string', enum: Object.keys(CHART_WINDOWS) },
            route: {
              anyOf: [
                { type: 'string', maxLength: 300, pattern: '^\\S+ [A-Z]+ /\\S*$' },
                { type: 'string', maxLength: 0 },
              ],
            },
          },
        },
      },
    },
    async (request, reply) => {
      const window = request.query.window ?? '15m';
      const route = request.query.route ? parseRouteKey(request.query.route) : undefined;
      const windowMs = CHART_WINDOWS[window] * 1000;
      const reading = await opts.maps.read({ windowMs, settleMs: opts.settleMs, route });
      // Over the same window as the traces; not for one route (the metrics count every route).
      const metrics =
        opts.prometheus && !route ? await edgeRates(opts.prometheus, reading.map.edges, CHART_WINDOWS[window], reading.toMs / 1000) : undefined;
      return reply.type('text/html; charset=utf-8').send(renderMapPage({ reading, window, route, metrics }));
    },
  );
}
