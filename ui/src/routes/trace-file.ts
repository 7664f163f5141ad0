/**
 * A trace as a file: GET /trace/:traceId/otlp.json (OTLP JSON, as Jaeger's /api/v3 gives it and the
 * OTLP file exporters write it) and /trace/:traceId/jaeger.json (Jaeger's JSON, `{"data": [trace]}`
 * as /api/traces/{id} gives it, which Jaeger UI opens) as downloads; GET /trace-file, a page to open
 * one, and POST /trace-file, which reads the file sent (multipart, at most 20 MB) and draws the trace
 * page without Jaeger.
 */
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { otlpToJaegerTraces, parseTraceFile, TraceFileError } from '@paytrace/trace-analysis';
import { badRequest, UiError } from '../errors.js';
import type { TraceSource } from '../traces.js';
import { renderTraceFilePage, TRACE_FILE_LIMIT_BYTES } from '../views/trace-file-page.js';
import { renderTracePage } from '../views/trace-page.js';
import { checkedTraceId } from './trace.js';

const attachment = (name: string) => `attachment; filename="${name}"`;

export function traceFileRoutes(app: FastifyInstance, opts: { traces: TraceSource }): void {
  const params = { type: 'object', properties: { traceId: { type: 'string', maxLength: 200 } }, required: ['traceId'] } as const;
  const noQuery = { type: 'object', additionalProperties: false } as const;

  app.get<{ Params: { traceId: string } }>('/trace/:traceId/otlp.json', { schema: { params, querystring: noQuery } }, async (request, reply) => {
    const traceId = checkedTraceId(request.params.traceId);
    const otlp = await opts.traces.traceOtlp(traceId);
    return reply
      .type('application/json')
      .header('content-disposition', attachment(`trace-${traceId}.otlp.json`))
      .send(otlp);
  });

  app.get<{ Params: { traceId: string } }>('/trace/:traceId/jaeger.json', { schema: { params, querystring: noQuery } }, async (request, reply) => {
    const traceId = checkedTraceId(request.params.traceId);
    // Converted as Jaeger converts it for /api/traces/{id}, whose envelope this keeps.
    const data = otlpToJaegerTraces(await opts.traces.traceOtlp(traceId));
    return reply
      .type('application/json')
      .header('content-disposition', attachment(`trace-${traceId}.jaeger.json`))
      .send({ data, total: 0, limit: 0, offset: 0, errors: null });
  });

  app.get('/trace-file', { schema: { querystring: noQuery } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderTraceFilePage()),
  );

  // Multipart only here: the one route that takes a file.
  app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: TRACE_FILE_LIMIT_BYTES, files: 1, fields: 0 } });
    scope.post('/trace-file', { schema: { querystring: noQuery } }, async (request, reply) => {
      if (!request.isMultipart()) throw badRequest('Send the trace file as multipart/form-data, as the form on /trace-file does.');
      const part = await request.file().catch(tooLarge);
      if (!part) throw badRequest('The form had no file: choose a trace file (OTLP JSON or Jaeger JSON).');
      const text = (await part.toBuffer().catch(tooLarge)).toString('utf8');
      let file;
      try {
        file = parseTraceFile(text);
      } catch (err) {
        if (err instanceof TraceFileError) throw badRequest(`${part.filename || 'The file'}: ${err.message}`);
        throw err;
      }
      const html = renderTracePage(file.spans, {
        all: false,
        jaegerUiUrl: undefined,
        file: { name: part.filename || 'trace.json', format: file.format },
      });
      return reply.type('text/html; charset=utf-8').send(html);
    });
  });
}

/** The multipart plugin's 413s (a file over the limit, more than one file), said as this UI says things. */
function tooLarge(err: unknown): never {
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    throw new UiError(
      413,
      'TRACE_FILE_TOO_LARGE',
      'Trace file refused',
      `Send one trace file of at most ${TRACE_FILE_LIMIT_BYTES / 1024 / 1024} MB, and nothing else (${(err as Error).message}).`,
    );
  }
  throw err;
}
