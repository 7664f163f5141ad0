/**
 * A search of the traces as the URL of /search holds it (so a search can be shared): its query
 * string parsed and checked (tags, duration range, time range, limit), written back as the same
 * URL, and turned into the JaegerClient search it asks for.
 */
import type { TraceSearch } from '@paytrace/trace-analysis';
import { badRequest } from './errors.js';

/** The query string of /search, as the form sends it (empty boxes are empty strings). */
export interface SearchQueryString {
  service?: string;
  operation?: string;
  /** `key=value` pairs separated by spaces or new lines; `key="a value"` for one with spaces. */
  tags?: string;
  min_ms?: number | '';
  max_ms?: number | '';
  /** How far back from `to` (or now): `15m`, `1h`, `2d`. */
  lookback?: string;
  /** UTC, as a datetime-local box writes it (`2026-12-01T00:05`, seconds optional), or ISO with a `Z`. */
  from?: string;
  to?: string;
  limit?: number | '';
}

/** A checked search: what /search shows and what its URL says. */
export interface SearchQuery {
  service: string;
  /** undefined: every operation of the service. */
  operation: string | undefined;
  tags: Record<string, string>;
  /** The root span's duration range, ms. */
  minMs: number | undefined;
  maxMs: number | undefined;
  lookback: string;
  /** Explicit bounds, ms since the epoch; without them the window is the lookback before now. */
  fromMs: number | undefined;
  toMs: number | undefined;
  limit: number;
}

/** The gateway: every public request's root is its SERVER span, and the reconciler's runs are its. */
export const DEFAULT_SERVICE = 'gateway';
export const DEFAULT_LOOKBACK = '1h';
/** Traces per page unless the URL says: Jaeger returns whole traces (~35 KB of JSON a payment). */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 500;
/** What the form offers; any `<n>m|h|d` in the URL works too. */
export const LOOKBACKS = ['5m', '15m', '1h', '6h', '24h', '2d', '7d'] as const;
export const MAX_TAGS = 10;

const LOOKBACK = /^([1-9][0-9]{0,3})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** An attribute name as OpenTelemetry writes them (`paytrace.payment.id`, `http.response.status_code`). */
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$/;

/** The querystring's JSON schema (Fastify checks it before the handler; the rest is checked in parseSearch). */
export const searchQuerySchema = {
  type: 'object',
  properties: {
    service: { type: 'string', maxLength: 200 },
    operation: { type: 'string', maxLength: 300 },
    tags: { type: 'string', maxLength: 4_000 },
    // An empty box in the form is "no bound".
    min_ms: {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', maxLength: 0 },
      ],
    },
    max_ms: {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', maxLength: 0 },
      ],
    },
    lookback: { type: 'string', pattern: LOOKBACK.source },
    from: {
      anyOf: [
        { type: 'string', pattern: UTC_TIME.source },
        { type: 'string', maxLength: 0 },
      ],
    },
    to: {
      anyOf: [
        { type: 'string', pattern: UTC_TIME.source },
        { type: 'string', maxLength: 0 },
      ],
    },
    limit: {
      anyOf: [
        { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
        { type: 'string', maxLength: 0 },
      ],
    },
  },
  additionalProperties: false,
} as const;

export const lookbackMs = (lookback: string): number => {
  const [, n, unit] = LOOKBACK.exec(lookback)!;
  return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
};

/**
 * One `key=value` pair at `lastIndex`, as Jaeger UI's tag box reads them (logfmt): a value in
 * double quotes may hold spaces (`\"` and `\\` escaped), a bare one runs to the next white space
 * and keeps any `=` after the first.
 */
const TAG_PAIR = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]\S*))(?=\s|$)/y;

/** `key=value` pairs separated by white space (spaces or new lines). */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  let at = 0;
  while (text.slice(at).trim() !== '') {
    TAG_PAIR.lastIndex = at;
    const pair = TAG_PAIR.exec(text);
    const key = pair?.[1] ?? '';
    const value = pair?.[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : (pair?.[3] ?? '');
    if (!pair || !TAG_KEY.test(key) || value.length === 0) {
      const next = text.slice(at).trim().split(/\s+/)[0];
      throw badRequest(
        `"${next}" is not a tag: write key=value (e.g. paytrace.account.id=acct_alice, or key="a value with spaces"), pairs separated by spaces or new lines.`,
      );
    }
    if (key in tags) throw badRequest(`The tag ${key} is given twice; a trace matches one value of it.`);
    tags[key] = value;
    at = TAG_PAIR.lastIndex;
  }
  if (Object.keys(tags).length > MAX_TAGS) throw badRequest(`At most ${MAX_TAGS} tags in one search.`);
  return tags;
}

/** The tags as parseTags reads them back: a value with white space or a quote in double quotes. */
export const formatTags = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => (/[\s"]/.test(v) ? `${k}="${v.replace(/["\\]/g, '\\$&')}"` : `${k}=${v}`))
    .join(' ');

/** A UTC time from the URL: a datetime-local box has no zone, and the pages write every time in UTC. */
const utcMs = (text: string): number => Date.parse(text.endsWith('Z') ? text : `${text}Z`);

/** The time box's value for an instant: UTC to the second, without the zone (what datetime-local takes). */
export const utcBox = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

const bound = (v: number | '' | undefined) => (v === undefined || v === '' ? undefined : v);

/** The search a query string asks for, checked; a bad one is a 400 page saying what is wrong. */
export function parseSearch(raw: SearchQueryString): SearchQuery {
  const minMs = bound(raw.min_ms);
  const maxMs = bound(raw.max_ms);
  if (minMs !== undefined && maxMs !== undefined && minMs > maxMs) {
    throw badRequest(`The duration range is empty: at least ${minMs} ms, at most ${maxMs} ms.`);
  }
  const fromMs = raw.from ? utcMs(raw.from) : undefined;
  const toMs = raw.to ? utcMs(raw.to) : undefined;
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw badRequest('A time is not a date: write 2026-12-01T00:05 (UTC).');
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw badRequest('The time range is empty: "from" must be before "to".');
  return {
    service: raw.service?.trim() || DEFAULT_SERVICE,
    operation: raw.operation?.trim() || undefined,
    tags: parseTags(raw.tags ?? ''),
    minMs,
    maxMs,
    lookback: raw.lookback ?? DEFAULT_LOOKBACK,
    fromMs,
    toMs,
    limit: bound(raw.limit) ?? DEFAULT_LIMIT,
  };
}

/** The window the search covers: explicit bounds win; a missing one is the lookback away from the other (or now). */
export function windowOf(query: SearchQuery, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = query.toMs ?? (query.fromMs !== undefined ? Math.max(nowMs, query.fromMs + 1) : nowMs);
  return { fromMs: query.fromMs ?? toMs - lookbackMs(query.lookback), toMs };
}

/**
 * What to ask Jaeger. Jaeger applies a duration range to any one span of the service (the named
 * operation's, when there is one) before its limit; the page then keeps the traces whose root
 * lasted within it (see rootInRange).
 */
export function toTraceSearch(query: SearchQuery, nowMs: number): TraceSearch {
  return {
    service: query.service,
    ...(query.operation ? { operation: query.operation } : {}),
    ...windowOf(query, nowMs),
    limit: query.limit,
    ...(query.minMs ? { minDurationMs: query.minMs } : {}),
    ...(query.maxMs !== undefined ? { maxDurationMs: query.maxMs } : {}),
    ...(Object.keys(query.tags).length > 0 ? { tags: query.tags } : {}),
  };
}

/** The trace's root lasted within the query's duration range. */
export const rootInRange = (query: SearchQuery, durationUs: number): boolean =>
  (query.minMs === undefined || durationUs >= query.minMs * 1000) && (query.maxMs === undefined || durationUs <= query.maxMs * 1000);

/** The query string that asks for this search (defaults left out), for links and redirects. */
export function searchParams(query: SearchQuery): URLSearchParams {
  const params = new URLSearchParams({ service: query.service });
  if (query.operation) params.set('operation', query.operation);
  if (Object.keys(query.tags).length > 0) params.set('tags', formatTags(query.tags));
  if (query.minMs !== undefined) params.set('min_ms', String(query.minMs));
  if (query.maxMs !== undefined) params.set('max_ms', String(query.maxMs));
  if (query.lookback !== DEFAULT_LOOKBACK) params.set('lookback', query.lookback);
  if (query.fromMs !== undefined) params.set('from', new Date(query.fromMs).toISOString());
  if (query.toMs !== undefined) params.set('to', new Date(query.toMs).toISOString());
  if (query.limit !== DEFAULT_LIMIT) params.set('limit', String(query.limit));
  return params;
}

export const searchHref = (query: SearchQuery): string => `/search?${searchParams(query)}`;
