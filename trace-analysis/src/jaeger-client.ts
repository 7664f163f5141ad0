/** Jaeger's HTTP query API as typed spans: get a trace, wait for one to be complete, search. */
import pRetry from 'p-retry';

/** A trace id as W3C Trace Context writes it (and traceresponse, and Jaeger's API): 32 lower-case hex digits. */
export const TRACE_ID = /^[0-9a-f]{32}$/;

/** A span as Jaeger's query API (`/api/traces/{id}`) returns it, with its tags as an object. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  name: string;
  kind: string | undefined;
  /** Microseconds since the epoch (Jaeger's unit). */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: Record<string, unknown>;
  /**
   * Links: every reference but the parent. Jaeger shows an OTLP span link as a FOLLOWS_FROM
   * reference (say, a reconciliation run's link to its payment's request, in another trace); a
   * span whose references are all links has no parent in the trace: it is a root.
   */
  links: Array<{ traceId: string; spanId: string }>;
  logs: Array<Record<string, unknown>>;
  /** The process's resource attributes (Jaeger's process tags: process.pid, host.name, service.version…), when known. */
  resource?: Record<string, unknown>;
}

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: Array<{ key: string; value: unknown }>;
  logs: Array<{ fields: Array<{ key: string; value: unknown }> }>;
  processID: string;
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags?: Array<{ key: string; value: unknown }> }>;
}

const tagsOf = (tags: Array<{ key: string; value: unknown }>) => Object.fromEntries(tags.map((t) => [t.key, t.value]));

/**
 * Jaeger's JSON trace as flat spans with parent ids: the parent is the CHILD_OF reference inside
 * the trace, wherever it is listed; any other reference (FOLLOWS_FROM, or to another trace) is a link.
 */
export function toSpans(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((s) => {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === s.traceID);
    const tags = tagsOf(s.tags);
    const process = trace.processes[s.processID]!;
    return {
      traceId: s.traceID,
      spanId: s.spanID,
      parentSpanId: parent?.spanID,
      service: process.serviceName,
      name: s.operationName,
      kind: tags['span.kind'] as string | undefined,
      startTime: s.startTime,
      duration: s.duration,
      tags,
      links: s.references.filter((r) => r !== parent).map((r) => ({ traceId: r.traceID, spanId: r.spanID })),
      logs: s.logs.map((l) => tagsOf(l.fields)),
      ...(process.tags ? { resource: tagsOf(process.tags) } : {}),
    };
  });
}

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
  /** Only traces with a span carrying these tags, e.g. `{ error: 'true' }` (a span with status ERROR). */
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

  /** The trace as Jaeger holds it now, or undefined (404). */
  async getTrace(traceId: string): Promise<TraceSpan[] | undefined> {
    const res = await this.fetch(`/api/traces/${traceId}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for trace ${traceId}`);
    const body = (await res.json()) as { data: JaegerTrace[] };
    return body.data[0] ? toSpans(body.data[0]) : undefined;
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

  /** The traces that match, each as flat spans. */
  async searchTraces(search: TraceSearch): Promise<TraceSpan[][]> {
    const query = new URLSearchParams({
      service: search.service,
      ...(search.operation ? { operation: search.operation } : {}),
      start: String(Math.floor(search.fromMs * 1000)),
      end: String(Math.ceil(search.toMs * 1000)),
      limit: String(search.limit ?? DEFAULT_SEARCH_LIMIT),
      ...(search.minDurationMs ? { minDuration: `${search.minDurationMs}ms` } : {}),
      ...(search.maxDurationMs ? { maxDuration: `${search.maxDurationMs}ms` } : {}),
      ...(search.tags ? { tags: JSON.stringify(search.tags) } : {}),
    });
    const res = await this.fetch(`/api/traces?${query}`);
    if (!res.ok) throw new Error(`Jaeger answered ${res.status} for a search of ${search.service}`);
    const body = (await res.json()) as { data: JaegerTrace[] | null };
    return (body.data ?? []).map(toSpans);
  }

  async services(): Promise<string[]> {
    const res = await this.fetch('/api/services');
    return ((await res.json()) as { data: string[] | null }).data ?? [];
  }
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
