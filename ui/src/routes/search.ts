/**
 * GET /search (any search of the traces, the URL being the whole search) and GET /find (the front
 * page's box: a trace id, a payment id or an Idempotency-Key, to its trace, or to the search
 * listing every trace that matched).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TRACE_ID } from '@paytrace/trace-analysis';
import { PAYMENT_ID_ATTRIBUTE, PAYMENT_SEARCH } from '../payment-traces.js';
import { parseSearch, searchHref, searchQuerySchema, type SearchQuery, type SearchQueryString } from '../search-query.js';
import type { TraceSearchSource } from '../trace-search.js';
import { renderSearchPage } from '../views/search-page.js';

/**
 * The attribute the gateway's POST /process-payment span carries with the SHA-256 (hex) of the
 * request's Idempotency-Key (gateway/src/routes/payments.ts): the key itself is kept out of
 * telemetry, so the box hashes what is typed and searches that.
 */
export const IDEMPOTENCY_KEY_ATTRIBUTE = 'paytrace.idempotency.key_sha256';
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
/** A payment id as the gateway makes them (gateway/src/idempotency.ts, newPaymentId). */
const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;
/** How far back the box looks: a payment asked about is seldom older, and a search on a tag is one indexed lookup. */
export const FIND_LOOKBACK = '7d';
/** A payment's request, its retries under the same key and their replays: a handful of traces. */
const FIND_LIMIT = 20;

/** What the box asks Jaeger for the text typed into it: a trace id needs no search. */
export type FindTarget = { traceId: string } | { searches: SearchQuery[] };

/**
 * A 32-hex trace id (or Jaeger's 16-hex short form) opens its trace; a payment id is searched on
 * the payment's request span, then (if none has it) as an Idempotency-Key, which anything else is.
 */
export function findTarget(text: string): FindTarget {
  const trimmed = text.trim();
  const hex = trimmed.toLowerCase();
  if (/^[0-9a-f]{16}$/.test(hex) || TRACE_ID.test(hex)) return { traceId: hex.padStart(32, '0') };
  const base = {
    ...PAYMENT_SEARCH,
    minMs: undefined,
    maxMs: undefined,
    lookback: FIND_LOOKBACK,
    fromMs: undefined,
    toMs: undefined,
    limit: FIND_LIMIT,
  };
  const byKey: SearchQuery = { ...base, tags: { [IDEMPOTENCY_KEY_ATTRIBUTE]: sha256Hex(trimmed) } };
  if (PAYMENT_ID.test(trimmed)) return { searches: [{ ...base, tags: { [PAYMENT_ID_ATTRIBUTE]: trimmed } }, byKey] };
  return { searches: [byKey] };
}

export function searchRoutes(app: FastifyInstance, opts: { search: TraceSearchSource }): void {
  app.get<{ Querystring: SearchQueryString }>('/search', { schema: { querystring: searchQuerySchema } }, async (request, reply) => {
    const query = parseSearch(request.query);
    // Three independent Jaeger calls, at once: the pickers' lists and the search.
    const [services, operations, result] = await Promise.all([
      opts.search.services(),
      opts.search.operations(query.service),
      opts.search.search(query),
    ]);
    return reply.type('text/html; charset=utf-8').send(renderSearchPage({ query, result, services, operations, href: searchHref(query) }));
  });

  app.get<{ Querystring: { q: string } }>(
    '/find',
    {
      schema: {
        querystring: {
          type: 'object',
          // What an Idempotency-Key can be (1–255 printable ASCII), with room for spaces around it.
          properties: { q: { type: 'string', minLength: 1, maxLength: 300, pattern: '^[\\x20-\\x7E]*[\\x21-\\x7E][\\x20-\\x7E]*$' } },
          required: ['q'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const target = findTarget(request.query.q);
      if ('traceId' in target) return reply.redirect(`/trace/${target.traceId}`);
      // One search, or two for a payment id that no payment span carries (a key may look like one).
      for (const query of target.searches) {
        const { traces } = await opts.search.search(query);
        if (traces.length === 1) return reply.redirect(`/trace/${traces[0]!.traceId}`);
        if (traces.length > 1) return reply.redirect(searchHref(query));
      }
      return reply.redirect(searchHref(target.searches[0]!));
    },
  );
}
