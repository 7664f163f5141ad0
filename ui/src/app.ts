/** The UI's app (buildApp): its options, HTML error pages, /healthz, and the payments, search, slow-against-the-rest, trace, trace file, service map, service, faults, mystery and lab routes. */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import { UiError } from './errors.js';
import { faultRoutes } from './routes/faults.js';
import { labRoutes } from './routes/lab.js';
import { mapRoutes } from './routes/map.js';
import { mysteryRoutes } from './routes/mystery.js';
import { MetricsSource } from './metrics.js';
import { paymentsRoutes } from './routes/payments.js';
import { searchRoutes } from './routes/search.js';
import { serviceRoutes } from './routes/services.js';
import { slowRoutes } from './routes/slow.js';
import { traceRoutes } from './routes/trace.js';
import { ServiceMapSource } from './service-map.js';
import { traceFileRoutes } from './routes/trace-file.js';
import { TraceSource } from './traces.js';
import { refuseCrossOrigin } from './same-origin.js';
import { TraceSearchSource } from './trace-search.js';
import { renderErrorPage } from './views/error-page.js';

export interface UiOptions {
  /** Jaeger's HTTP query API as this process reaches it, and how long to wait for an answer. */
  jaeger: { url: string; timeoutMs?: number };
  /** Jaeger's UI as the reader's browser reaches it: the trace page links there. */
  jaegerUiUrl?: string | undefined;
  /** Prometheus's HTTP API (the charts); without it the front page says so and shows the traces alone. */
  prometheus?: { url: string; timeoutMs?: number } | undefined;
  /** The fault switches' flagd file (what `npm run fault` edits); without it /faults says so. */
  flagFile?: string | undefined;
  /** Folders holding sampling lab results (sampling-lab.json, in them or one folder down). */
  labDirs?: string[];
  /** How long after a request its trace is complete in Jaeger (the services' export delay, and some). */
  settleMs?: number;
  logger?: FastifyServerOptions['logger'];
}

/**
 * paytrace's web UI: pages rendered on the server from Jaeger's HTTP API, the detective's
 * analysis and Prometheus's metrics, a stylesheet, and one small script for the trace page's clicks.
 */
export async function buildApp(options: UiOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, routerOptions: { ignoreTrailingSlash: true } });
  const jaeger = { jaegerUrl: options.jaeger.url.replace(/\/+$/, ''), timeoutMs: options.jaeger.timeoutMs ?? 5_000 };
  const traces = new TraceSource(jaeger);
  const search = new TraceSearchSource(jaeger);
  const metrics = options.prometheus
    ? new MetricsSource({ url: options.prometheus.url.replace(/\/+$/, ''), timeoutMs: options.prometheus.timeoutMs ?? 5_000 })
    : undefined;
  const jaegerUiUrl = options.jaegerUiUrl ? options.jaegerUiUrl.replace(/\/+$/, '') : undefined;

  await app.register(formbody);
  await app.register(fastifyStatic, { root: fileURLToPath(new URL('../public/', import.meta.url)), prefix: '/assets/' });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof UiError) {
      if (err.statusCode >= 500) request.log.warn({ code: err.code }, err.message);
      return reply.code(err.statusCode).type('text/html; charset=utf-8').send(renderErrorPage(err));
    }
    // Fastify's own 4xx (a bad form, a query string out of its schema): the reader's mistake, said plainly.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage(new UiError(status, 'BAD_REQUEST', 'Bad request', (err as Error).message)));
    }
    request.log.error({ err }, 'page failed');
    return reply
      .code(500)
      .type('text/html; charset=utf-8')
      .send(renderErrorPage(new UiError(500, 'INTERNAL', 'Something went wrong', 'The page failed to render; the UI’s log has the details.')));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(renderErrorPage(new UiError(404, 'NOT_FOUND', 'Not found', `There is no page at ${request.url}.`))),
  );

  // No other site's page may post here: the fault switches change how the whole system behaves.
  refuseCrossOrigin(app);

  app.get('/healthz', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({
    status: 'ok',
  }));
  paymentsRoutes(app, { traces, metrics, settleMs: options.settleMs ?? 6_000 });
  slowRoutes(app, { traces, settleMs: options.settleMs ?? 6_000 });
  traceRoutes(app, { traces, jaegerUiUrl });
  searchRoutes(app, { search });
  mapRoutes(app, {
    maps: new ServiceMapSource({ jaegerUrl: traces.jaegerUrl, timeoutMs: options.jaeger.timeoutMs ?? 5_000 }),
    prometheus: metrics?.options,
    settleMs: options.settleMs ?? 6_000,
  });
  traceFileRoutes(app, { traces });
  serviceRoutes(app, { metrics });
  faultRoutes(app, { flagFile: options.flagFile });
  mysteryRoutes(app, { flagFile: options.flagFile });
  labRoutes(app, { labDirs: options.labDirs ?? [] });
  return app;
}
