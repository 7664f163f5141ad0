/**
 * GET /trace/:traceId (the lesson's Gantt, with the payment's settlements), /trace/:traceId/ranks
 * (each span's rank among the route's recent spans, as JSON, which the page fetches), /trace/:traceId/mermaid
 * (its Mermaid chart) and /trace/:traceId/compare (against a typical trace of the same route, or `?with=<trace id>`).
 */
import type { FastifyInstance } from 'fastify';
import {
  durationReference,
  rootOf,
  ROUTE_WINDOW_MS,
  spanPercentiles,
  toMermaidGantt,
  TRACE_ID,
  typicalAmong,
  type TraceSpan,
} from '@paytrace/trace-analysis';
import { jaegerUnavailable, notFound } from '../errors.js';
import { paymentOf } from '../payment-traces.js';
import type { TraceSource } from '../traces.js';
import { mermaidOptions, renderTracePage, standing, standingNote, standingTitle, type SpanStanding } from '../views/trace-page.js';
import { renderComparePage } from '../views/compare-page.js';

interface TraceParams {
  traceId: string;
}

/** A malformed id is not a page that could exist: 404, like an unknown one. */
export function checkedTraceId(raw: string): string {
  const traceId = raw.toLowerCase();
  if (!TRACE_ID.test(traceId)) throw notFound(`"${raw}" is not a trace id: a trace id is 32 hexadecimal digits, as in a traceresponse header.`);
  return traceId;
}

export function traceRoutes(app: FastifyInstance, opts: { traces: TraceSource; jaegerUiUrl: string | undefined }): void {
  const params = { type: 'object', properties: { traceId: { type: 'string', maxLength: 200 } }, required: ['traceId'] } as const;

  // The path Jaeger UI uses, so a traceresponse id opens the same way in both.
  app.get<{ Params: TraceParams; Querystring: { all?: string } }>(
    '/trace/:traceId',
    { schema: { params, querystring: { type: 'object', properties: { all: { type: 'string', enum: ['1', '0', ''] } } } } },
    async (request, reply) => {
      const traceId = checkedTraceId(request.params.traceId);
      const spans = await opts.traces.trace(traceId);
      // A payment's trace: was it settled later, in the background, by the reconciler? Its runs are
      // traces of their own, found by the payment id; a failed search is a note on the page.
      const payment = paymentOf(spans);
      const settlements = payment
        ? await opts.traces.settlements({ paymentId: payment.paymentId, fromMs: rootOf(spans)!.startTime / 1000 })
        : undefined;
      if (settlements && 'error' in settlements) {
        request.log.warn({ paymentId: settlements.paymentId }, `settlement search failed: ${settlements.error}`);
      }
      const html = renderTracePage(spans, { all: request.query.all === '1', jaegerUiUrl: opts.jaegerUiUrl, settlements });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  // Each span's rank, read after the page (trace.js): searching the route's recent traces costs a
  // few hundred ms (whole traces, ~35 KB of JSON each), which the page itself should not wait for.
  const rank = { type: 'object', properties: { text: { type: 'string' }, title: { type: 'string' } }, required: ['text', 'title'] } as const;
  app.get<{ Params: TraceParams }>(
    '/trace/:traceId/ranks',
    {
      schema: {
        params,
        response: {
          200: {
            type: 'object',
            properties: { note: { type: 'string' }, ranks: { type: 'object', additionalProperties: rank } },
            required: ['note', 'ranks'],
          },
        },
      },
    },
    async (request) => {
      const spans = await opts.traces.trace(checkedTraceId(request.params.traceId));
      const route = await opts.traces.routeTraces(spans);
      if ('error' in route) request.log.warn(`route search failed: ${route.error}`);
      const result = standingOf(spans, route);
      const ranks: Record<string, { text: string; title: string }> = {};
      if ('ranks' in result) for (const [spanId, r] of result.ranks) ranks[spanId] = { text: standing(r), title: standingTitle(r, result.windowMin) };
      return { note: standingNote(result), ranks };
    },
  );

  app.get<{ Params: TraceParams; Querystring: { with?: string } }>(
    '/trace/:traceId/compare',
    { schema: { params, querystring: { type: 'object', properties: { with: { type: 'string', maxLength: 200 } }, additionalProperties: false } } },
    async (request, reply) => {
      const slow = await opts.traces.trace(checkedTraceId(request.params.traceId));
      let typical: TraceSpan[] | undefined;
      let chosen: string;
      if (request.query.with) {
        typical = await opts.traces.trace(checkedTraceId(request.query.with));
        chosen = 'The typical trace was chosen by hand (?with=).';
      } else {
        const route = await opts.traces.routeTraces(slow);
        if ('error' in route) throw jaegerUnavailable(opts.traces.jaegerUrl, route.error);
        typical = typicalAmong(slow, route.traces);
        chosen =
          `The typical trace: of the ${route.traces.length} traces of this route in the ${ROUTE_WINDOW_MS / 60_000} min before this one ` +
          `(the newest ${route.search.limit} at most), the one that did not fail whose duration is closest to their median. Another: ?with=<trace id>.`;
      }
      if (!typical) {
        throw notFound(`No other trace of this route in the ${ROUTE_WINDOW_MS / 60_000} min before it to compare with; give one: ?with=<trace id>.`);
      }
      return reply.type('text/html; charset=utf-8').send(renderComparePage(slow, typical, chosen));
    },
  );

  app.get<{ Params: TraceParams }>('/trace/:traceId/mermaid', { schema: { params } }, async (request, reply) => {
    const traceId = checkedTraceId(request.params.traceId);
    const spans = await opts.traces.trace(traceId);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `inline; filename="trace-${traceId}.mmd"`)
      .send(`${toMermaidGantt(spans, mermaidOptions(spans))}\n`);
  });
}

/** Each span's percentile among the same operation's spans in the route's recent traces (the trace itself among them). */
function standingOf(spans: TraceSpan[], route: Awaited<ReturnType<TraceSource['routeTraces']>>): SpanStanding {
  if ('error' in route) return { error: route.error };
  const traceId = rootOf(spans)?.traceId;
  // The page's own trace counts once, whether or not the search returned it.
  const traces = [...route.traces.filter((t) => rootOf(t)?.traceId !== traceId), spans];
  return {
    ranks: spanPercentiles(spans, durationReference(traces)),
    traces: traces.length,
    windowMin: ROUTE_WINDOW_MS / 60_000,
    capped: route.traces.length >= (route.search.limit ?? Infinity),
  };
}
