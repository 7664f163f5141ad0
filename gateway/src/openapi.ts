/** The gateway's OpenAPI 3 document, generated from the route schemas and served at /openapi.json, and its error meanings. */
import swagger from '@fastify/swagger';
import type { ServiceApp } from '@paytrace/services';

/** Where the gateway serves its OpenAPI document (README: "OpenAPI"). */
export const OPENAPI_PATH = '/openapi.json';

/** What each error status of the public API means; every one has the `ErrorResponse` body. */
const ERROR_MEANINGS = {
  400: 'The request is malformed: invalid JSON, a field out of its bounds, an unknown field, or a request the HTTP parser refused.',
  401: 'Missing, malformed or unknown API key.',
  402: 'The balance does not cover the amount (final: replayed under the same Idempotency-Key).',
  404: 'No such route.',
  409: 'The Idempotency-Key was used with another body, or its first request is still running.',
  413: 'The body is larger than 64 KiB.',
  415: 'The body is not application/json.',
  431: 'The request’s headers are too large.',
  502: 'The card was declined, or a service behind the gateway answered outside its contract.',
  503: 'A dependency is unavailable; the same request may be retried (with the same Idempotency-Key).',
  504: 'A dependency timed out; the same request may be retried (with the same Idempotency-Key).',
} as const;

/** Response schemas for error statuses: the shared envelope, with what the status means here. */
export function errorResponses<S extends keyof typeof ERROR_MEANINGS>(...statuses: S[]): Record<S, { $ref: string; description: string }> {
  const responses = {} as Record<S, { $ref: string; description: string }>;
  for (const status of statuses) responses[status] = { $ref: 'ErrorResponse#', description: ERROR_MEANINGS[status] };
  return responses;
}

/**
 * Generates the OpenAPI 3 document from the route schemas (registered before the routes, whose
 * definitions it collects) and serves it. The document, the probes and Fastify's automatic HEAD
 * routes are not part of the public API, so they are left out.
 */
export async function registerOpenApi(app: ServiceApp): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'paytrace gateway',
        version: '0.1.0',
        description:
          'The public API of paytrace. Every error has the body `{ "error": { "code", "message" } }`; every response names its ' +
          'trace in a W3C `traceresponse` header.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'The account’s API key: `Authorization: Bearer <key>`.' },
        },
      },
    },
    // Shared schemas keep their $id as their name in components.schemas (`ErrorResponse`).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url }) => ({ schema: { ...schema, hide: schema?.hide || !isPublic(url) }, url }),
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

const isPublic = (url: string) => url !== OPENAPI_PATH && url !== '/healthz' && url !== '/readyz';
