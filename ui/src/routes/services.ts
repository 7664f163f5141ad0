/** GET /services/:name: one service's saturation over a window (event loop, pg pool, in-flight, heap, GC) and its routes' rate, errors and p99. */
import type { FastifyInstance } from 'fastify';
import { CHART_WINDOWS, type ChartWindow } from '@paytrace/metrics-analysis';
import { notFound, prometheusUnavailable } from '../errors.js';
import { isUnavailable, type MetricsSource } from '../metrics.js';
import { renderServicePage } from '../views/service-page.js';

export function serviceRoutes(app: FastifyInstance, opts: { metrics: MetricsSource | undefined }): void {
  app.get<{ Params: { name: string }; Querystring: { window?: ChartWindow } }>(
    '/services/:name',
    {
      schema: {
        params: { type: 'object', properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } }, required: ['name'] },
        querystring: { type: 'object', properties: { window: { type: 'string', enum: Object.keys(CHART_WINDOWS) } } },
      },
    },
    async (request, reply) => {
      if (!opts.metrics) throw prometheusUnavailable('No Prometheus is configured (PROMETHEUS_URL)');
      const window = request.query.window ?? '15m';
      const overview = await opts.metrics.serviceOverview(request.params.name, window);
      if (isUnavailable(overview)) throw prometheusUnavailable(overview.unavailable);
      if (!overview.known) {
        throw notFound(`Prometheus has no requests to a service named "${request.params.name}" in the last ${window}: see / for the ones it has.`);
      }
      return reply.type('text/html; charset=utf-8').send(renderServicePage(overview, window));
    },
  );
}
