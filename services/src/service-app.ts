/** createServiceApp(): the Fastify app every service starts from: strict schemas, one error envelope, probes, log fields. */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { acceptDeadlines } from './deadline.js';
import { AppError, type ErrorBody } from './errors.js';
import { logCorrelationFields, recordFailure } from './tracing.js';
import { countActiveRequests } from './active-requests.js';

function newFastify(options: FastifyServerOptions) {
  return Fastify(options).withTypeProvider<TypeBoxTypeProvider>();
}
/** A Fastify instance whose route schemas (TypeBox) type the handlers. */
export type ServiceApp = ReturnType<typeof newFastify>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Checks of this service's own dependencies run by `/readyz`: name → "is it usable now?". */
    readinessChecks: Map<string, () => Promise<boolean>>;
  }
}

export interface ServiceAppOptions {
  /** `false` silences logs (tests); otherwise pino options. */
  logger?: FastifyServerOptions['logger'];
}

/** Anything a client might send that must never reach a log line. */
const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', 'req.headers["stripe-key"]'];

export const ErrorResponseSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }, { $id: 'ErrorResponse' });

/** Fastify's own client-error codes, mapped to paytrace error codes. */
const FASTIFY_CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
};

/**
 * Errors Node's HTTP parser meets before there is a request for Fastify to route (a header block
 * over the limit, bytes that are not HTTP): answered here in the same envelope as every other
 * error, instead of Fastify's default `{ error, message, statusCode }`.
 */
const PARSER_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are larger than the server accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received in time.'],
};

function answerParserError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = PARSER_ERRORS[err.code ?? ''] ?? [400, 'invalid_request', 'The request is not valid HTTP.'];
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** A URL Fastify's router cannot decode (e.g. `/%zz`) or a route parameter over its length limit. */
function answerUndecodableUrl(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(400).send({ error: { code: 'invalid_request', message: err.message } } satisfies ErrorBody);
}

/**
 * The Fastify instance every paytrace service starts from: strict JSON-schema validation (no type
 * coercion, unknown fields rejected rather than silently dropped), one error handler for the one
 * error model (also for what Node's HTTP parser and Fastify's router refuse, and for requests that
 * arrive while the service shuts down), JSON 404s, `/healthz` + `/readyz`, and pino logs that
 * carry the active span's `trace_id`/`span_id` (a `mixin`: no instrumentation needed, no work for
 * lines not written).
 *
 * Route handlers set the status with `reply.code()` and return the body rather than calling
 * `reply.send()`: @fastify/otel ends its `request` span as the reply is sent, so a handler that
 * sent and then returned would end after its parent span in the trace.
 */
export function createServiceApp(options: ServiceAppOptions = {}): ServiceApp {
  const logger =
    options.logger === undefined || options.logger === true
      ? { level: process.env.LOG_LEVEL ?? 'info', redact: REDACTED_PATHS, mixin: logCorrelationFields }
      : options.logger && typeof options.logger === 'object'
        ? { redact: REDACTED_PATHS, mixin: logCorrelationFields, ...options.logger }
        : options.logger;

  const app = newFastify({
    logger,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    clientErrorHandler: answerParserError,
    frameworkErrors: answerUndecodableUrl,
    // Our own 503 while shutting down (below), in the envelope rather than Fastify's body.
    return503OnClosing: false,
  });

  // Node answers an `Expect` other than 100-continue with a bare 417; this one has the envelope.
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ error: { code: 'expectation_failed', message: 'Only "Expect: 100-continue" is supported.' } } satisfies ErrorBody);
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });

  countActiveRequests(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // On every request of every service: a callback hook, so the common case costs a flag check and
  // no promise.
  app.addHook('onRequest', function refuseWhileClosing(_request, reply, done) {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new AppError(503, 'shutting_down', 'The service is shutting down; try again.'));
  });

  acceptDeadlines(app);
  app.addSchema(ErrorResponseSchema);

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    const { status, body } = toErrorResponse(err);
    recordFailure(body.error.code, status, err);
    // Every 503 says when to try again: the refusing hop's own hint, or a second.
    const retryAfter = err instanceof AppError ? err.retryAfterSeconds : undefined;
    if (retryAfter !== undefined || status === 503) void reply.header('retry-after', String(retryAfter ?? 1));
    // A shed request is the service working as designed under load: not an error to page anyone for.
    if (status >= 500 && body.error.code !== 'overloaded') request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request rejected');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `Route ${request.method} ${request.url.split('?')[0]} not found.` } }),
  );

  app.get('/healthz', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  void app.register(import('./load-shedding.js'), options.loadShedding ?? {});
  app.decorate('readinessChecks', new Map<string, () => Promise<boolean>>());
  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
        },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        [...app.readinessChecks].map(async ([name, check]) => [name, (await check().catch(() => false)) ? 'ok' : 'failing'] as const),
      );
      const ready = results.every(([, state]) => state === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
    },
  );

  return app;
}

export function toErrorResponse(err: FastifyError | AppError): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const message = err.expose ? err.message : 'Internal error.';
    return { status: err.statusCode, body: { error: { code: err.code, message } } };
  }
  if ((err as FastifyError).validation) {
    return { status: 400, body: { error: { code: 'invalid_request', message: err.message } } };
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const code = FASTIFY_CLIENT_ERRORS[(err as FastifyError).code] ?? 'invalid_request';
    return { status, body: { error: { code, message: err.message } } };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal error.' } } };
}
