import type { FastifyInstance } from 'fastify';
import { toMermaidGantt } from '@paytrace/devstack/detective';
import { notFound } from '../errors.js';
import { TRACE_ID } from '@paytrace/devstack';
import type { TraceSource } from '../traces.js';
import { renderTracePage } from '../views/trace-page.js';

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
      const html = renderTracePage(spans, { all: request.query.all === '1', jaegerUiUrl: opts.jaegerUiUrl });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.get<{ Params: TraceParams }>('/trace/:traceId/mermaid', { schema: { params } }, async (request, reply) => {
    const traceId = checkedTraceId(request.params.traceId);
    const spans = await opts.traces.trace(traceId);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `inline; filename="trace-${traceId}.mmd"`)
      .send(`${toMermaidGantt(spans)}\n`);
  });
}
