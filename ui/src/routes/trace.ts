/** GET /trace/:traceId (the lesson's Gantt, with the payment's settlements) and /trace/:traceId/mermaid (its Mermaid chart). */
import type { FastifyInstance } from 'fastify';
import { rootOf, toMermaidGantt, TRACE_ID } from '@paytrace/trace-analysis';
import { notFound } from '../errors.js';
import { paymentOf, type TraceSource } from '../traces.js';
import { mermaidOptions, renderTracePage } from '../views/trace-page.js';

interface TraceParams {
  traceId: string;
}

/** A malformed id is not a page that could exist: 404, like an unknown one. */
function checkedTraceId(raw: string): string {
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

  app.get<{ Params: TraceParams }>('/trace/:traceId/mermaid', { schema: { params } }, async (request, reply) => {
    const traceId = checkedTraceId(request.params.traceId);
    const spans = await opts.traces.trace(traceId);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `inline; filename="trace-${traceId}.mmd"`)
      .send(`${toMermaidGantt(spans, mermaidOptions(spans))}\n`);
  });
}
