/**
 * WORKAROUND (docs/upstream/fastify-otel-unsampled-requests.md): @fastify/otel starts a `request`
 * span and a `handler` span for every request, recorded or not: two spans, two contexts, two
 * `context.with`, a promise around the handler and an onSend hook's bookkeeping, about 8 KB and
 * 15 µs per request (`npm run bench:operations`), all of it dropped when the request's trace is not
 * recorded. With a parent-based sampler every child of a span that is not recording is not
 * recording either, so such a request can skip the plugin altogether: `skipUnrecorded` says so
 * through its `ignorePaths` option, which it asks in its onRequest hook and in each wrapped handler.
 *
 * The one thing the plugin does that is not a span: it tells the http instrumentation the
 * request's route (`http.route` on `http.server.request.duration`, which the metrics pages group
 * by). `routeForMetrics` does that for every request, in an onRequest hook added to each Fastify
 * instance as it is created (the same diagnostics channel the plugin registers itself on).
 */
import { subscribe } from 'node:diagnostics_channel';
import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * For @fastify/otel's `ignorePaths`: true when the request's span (the active one) is not
 * recording. The plugin also asks `ignorePaths` once per route as the route is registered (to
 * decide whether to wrap its handler), outside any request: no span is active then, and the answer
 * must be false, or no request of that route would ever get its handler span.
 */
export function skipUnrecorded(): boolean {
  const span = trace.getActiveSpan();
  return span !== undefined && !span.isRecording();
}

function routeForMetrics(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const rpcMetadata = getRPCMetadata(context.active());
  const route = request.routeOptions.url;
  if (rpcMetadata?.type === RPCType.HTTP && route !== undefined) rpcMetadata.route = route;
  done();
}

/** Adds `routeForMetrics` to every Fastify instance created from now on. */
export function recordRoutesForMetrics(): void {
  subscribe('fastify.initialization', (message) => {
    (message as { fastify: FastifyInstance }).fastify.addHook('onRequest', routeForMetrics);
  });
}
