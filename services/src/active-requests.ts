/** http.server.active_requests: the requests a service is working on now (the semantic conventions' UpDownCounter); a workaround, see below. */
import { metrics, type Attributes } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Probes are not traffic (as for spans: telemetry-sdk.ts). */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/**
 * WORKAROUND (docs/upstream/opentelemetry-instrumentation-http-active-requests.md): the http
 * instrumentation of the pinned release records durations but not this metric. Counts every
 * request from `onRequest` until its answer is sent or its caller went away. In-flight
 * requests are what saturation looks like from outside: a service whose in-flight count climbs
 * while its rate stays flat is queueing. Through the API only: a no-op without an SDK.
 */
export function countActiveRequests(app: FastifyInstance): void {
  const activeRequests = metrics.getMeter('@paytrace/services').createUpDownCounter('http.server.active_requests', {
    unit: '{request}',
    description: 'Number of active HTTP server requests.',
  });
  // One attribute set per method, made once (the counter hashes attributes on every add).
  const attributesByMethod = new Map<string, Attributes>();
  const attributesOf = (method: string) => {
    let attributes = attributesByMethod.get(method);
    if (!attributes) attributesByMethod.set(method, (attributes = { 'http.request.method': method, 'url.scheme': 'http' }));
    return attributes;
  };
  const counted = new WeakSet<FastifyRequest>();
  const done = (request: FastifyRequest) => {
    if (counted.delete(request)) activeRequests.add(-1, attributesOf(request.method));
  };

  app.addHook('onRequest', function countRequest(request, _reply, next) {
    if (!PROBE_PATHS.has(request.url.split('?')[0] ?? '')) {
      counted.add(request);
      activeRequests.add(1, attributesOf(request.method));
    }
    next();
  });
  app.addHook('onResponse', function uncountAnswered(request, _reply, next) {
    done(request);
    next();
  });
  app.addHook('onRequestAbort', function uncountAbandoned(request, next) {
    done(request);
    next();
  });
}
