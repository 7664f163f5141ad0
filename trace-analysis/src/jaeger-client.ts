/**
 * Jaeger's HTTP query API as typed spans: get a trace, wait for one to be complete, search, list
 * services and operations. It reads Jaeger's stable API, /api/v3 (OTLP JSON), except for a search
 * by tags, which /api/v3 ignores at Jaeger 2.13 (docs/trace-store.md, "How paytrace reads Jaeger").
 */
import pRetry from 'p-retry';
import { toSpans, type JaegerTrace, type TraceSpan } from './jaeger-json.js';
import { otlpToSpans, otlpToTraces, type OtlpTraces } from './otlp-json.js';

export { toSpans, type TraceSpan } from './jaeger-json.js';

/** A trace id as W3C Trace Context writes it (and traceresponse, and Jaeger's API): 32 lower-case hex digits. */
export const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The most traces one search asks for unless it says: memstore, the default store, refuses a
 * search deeper than it holds (its max_traces, telemetry/trace-store/memstore.yaml's default; a
 * unit test keeps the two equal). Set JAEGER_MAX_TRACES lower and pass a limit within it.
 */
export const DEFAULT_SEARCH_LIMIT = 10_000;

/** A search of Jaeger's stored traces: one service (and operation) in a time window. */
export interface TraceSearch {
  service: string;
  operation?: string;
  /** The window the traces started in, milliseconds since the epoch. */
  fromMs: number;
  toMs: number;
  limit?: number;
  /** Only traces with a span (of `service`) that lasted at least this long (Jaeger filters before the limit applies). */
  minDurationMs?: number;
  /** Only traces with a span (of `service`) that lasted at most this long. */
  maxDurationMs?: number;
  /** Only traces with a span carrying these tags, e.g. `{ error: 'true' }` (a span with status ERROR); searched through /api/traces, as /api/v3 has no tag filter. */
  tags?: Record<string, string>;
}

export interface JaegerClientOptions {
  /** Give up on a call after this long (default: wait as long as Jaeger takes). */
  timeoutMs?: number;
}

/** Jaeger's HTTP query API (the one the UI uses) at `baseUrl`, e.g. http://127.0.0.1:16686. */
export class JaegerClient {
  constructor(
    readonly baseUrl: string,
    private readonly options: JaegerClientOptions = {},
  ) {}

  private fetch(path: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, this.options.timeoutMs ? { signal: AbortSignal.timeout(this.options.timeoutMs) } : {});
  }

  /** The trace as Jaeger's /api/v3 gives it (OTLP JSON, `{"resourceSpans": …}`), or undefined (404). */
  async getTraceOtlp(traceId: string): Promise<OtlpTraces | undefined> {
    const res = await this.fetch(`/api/v3/traces/${encodeURIComponent(traceId)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for trace ${traceId}`);
    const body = (await res.json()) as { result?: OtlpTraces };
    return body.result?.resourceSpans?.length ? body.result : undefined;
  }

  /** The trace as Jaeger holds it now, or undefined (404). */
  async getTrace(traceId: string): Promise<TraceSpan[] | undefined> {
    const otlp = await this.getTraceOtlp(traceId);
    return otlp ? otlpToSpans(otlp) : undefined;
  }

  /**
   * Waits until the trace is in Jaeger and has stopped growing for `stableMs` (spans arrive in
   * batches from four processes through the Collector), then returns it.
   */
  async waitForTrace(traceId: string, options: { minSpans?: number; timeoutMs?: number; stableMs?: number } = {}): Promise<TraceSpan[]> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    let last: TraceSpan[] | undefined;
    let stableSince = 0;
    try {
      // Polled every 150 ms until the deadline: each failed check is "not yet".
      return await pRetry(
        async () => {
          const spans = await this.getTrace(traceId);
          if (!spans || spans.length < (options.minSpans ?? 1)) throw new Error(`${spans?.length ?? 0} spans`);
          if (last?.length !== spans.length) {
            last = spans;
            stableSince = Date.now();
          }
          if (Date.now() - stableSince < (options.stableMs ?? 1_000)) throw new Error(`${spans.length} spans, still arriving`);
          return spans;
        },
        { retries: Number.POSITIVE_INFINITY, minTimeout: 150, factor: 1, maxRetryTime: timeoutMs },
      );
    } catch {
      throw new Error(`trace ${traceId} not complete in Jaeger after ${timeoutMs} ms (${last?.length ?? 0} spans)`);
    }
  }

  /**
   * The traces that match, each as flat spans, from /api/v3; a search by tags from /api/traces,
   * since /api/v3 ignores tags at Jaeger 2.13 (its HTTP gateway never reads query.attributes).
   */
  async searchTraces(search: TraceSearch): Promise<TraceSpan[][]> {
    if (search.tags && Object.keys(search.tags).length > 0) return this.searchTracesByTags(search);
    const query = new URLSearchParams({
      'query.service_name': search.service,
      ...(search.operation ? { 'query.operation_name': search.operation } : {}),
      'query.start_time_min': rfc3339(Math.floor(search.fromMs * 1000)),
      'query.start_time_max': rfc3339(Math.ceil(search.toMs * 1000)),
      'query.num_traces': String(search.limit ?? DEFAULT_SEARCH_LIMIT),
      ...(search.minDurationMs ? { 'query.duration_min': `${search.minDurationMs}ms` } : {}),
      ...(search.maxDurationMs ? { 'query.duration_max': `${search.maxDurationMs}ms` } : {}),
    });
    const res = await this.fetch(`/api/v3/traces?${query}`);
    // /api/v3 answers a search that found nothing with a 404 ("No traces found").
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for a search of ${search.service}`);
    const body = (await res.json()) as { result?: OtlpTraces };
    return body.result ? otlpToTraces(body.result) : [];
  }

  /** A search with tags, through the internal /api/traces (the one /api/v3 cannot do yet). */
  private async searchTracesByTags(search: TraceSearch): Promise<TraceSpan[][]> {
    const query = new URLSearchParams({
      service: search.service,
      ...(search.operation ? { operation: search.operation } : {}),
      start: String(Math.floor(search.fromMs * 1000)),
      end: String(Math.ceil(search.toMs * 1000)),
      limit: String(search.limit ?? DEFAULT_SEARCH_LIMIT),
      ...(search.minDurationMs ? { minDuration: `${search.minDurationMs}ms` } : {}),
      ...(search.maxDurationMs ? { maxDuration: `${search.maxDurationMs}ms` } : {}),
      tags: JSON.stringify(search.tags),
    });
    const res = await this.fetch(`/api/traces?${query}`);
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for a search of ${search.service}`);
    const body = (await res.json()) as { data: JaegerTrace[] | null };
    return (body.data ?? []).map(toSpans);
  }

  /** The services Jaeger has spans of. */
  async services(): Promise<string[]> {
    const res = await this.fetch('/api/v3/services');
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for its services`);
    return ((await res.json()) as { services?: string[] }).services ?? [];
  }

  /** A service's operations (span names) and their span kinds (server, client, internal…). */
  async operations(service: string): Promise<Array<{ name: string; spanKind: string }>> {
    const res = await this.fetch(`/api/v3/operations?${new URLSearchParams({ service })}`);
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for the operations of ${service}`);
    return (
      ((await res.json()) as { operations?: Array<{ name: string; spanKind?: string }> }).operations?.map((o) => ({
        name: o.name,
        spanKind: o.spanKind ?? '',
      })) ?? []
    );
  }
}

/** Microseconds since the epoch as RFC 3339 with microseconds, as /api/v3's time bounds read it. */
export function rfc3339(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${micro}Z`);
}

/** A trace as an indented tree with start offsets and durations, for messages and the terminal. */
export function describeTrace(spans: TraceSpan[]): string {
  const children = new Map<string | undefined, TraceSpan[]>();
  for (const s of spans) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  const t0 = Math.min(...spans.map((s) => s.startTime));
  const lines: string[] = [];
  const walk = (s: TraceSpan, depth: number) => {
    const orphan = s.parentSpanId && !ids.has(s.parentSpanId) ? ' (ORPHAN)' : '';
    lines.push(
      `${'  '.repeat(depth)}${s.service} ${s.kind ?? '-'} "${s.name}" +${((s.startTime - t0) / 1000).toFixed(3)}ms ${(s.duration / 1000).toFixed(3)}ms${orphan}`,
    );
    for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  return lines.join('\n');
}
