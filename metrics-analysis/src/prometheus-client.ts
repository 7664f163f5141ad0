/** Prometheus's HTTP API (/api/v1) as typed answers: instant and range queries, exemplars. */

/** One series of a query's answer: its labels, and its samples as [unix seconds, value]. */
export interface Series {
  labels: Record<string, string>;
  /** Instant queries: one sample; range queries: one per step that has a value. */
  samples: Array<[number, number]>;
}

/** An exemplar: one measurement of a series, with the trace (and span) it came from. */
export interface Exemplar {
  /** The series' labels (e.g. __name__, service_name, span_name, le). */
  seriesLabels: Record<string, string>;
  traceId: string | undefined;
  spanId: string | undefined;
  /** Unix seconds. */
  timestamp: number;
  value: number;
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}

type Sample = [number, string];
interface VectorOrMatrix {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: Array<{ metric: Record<string, string>; value?: Sample; values?: Sample[] }>;
}

/** A Prometheus value as a number: "NaN", "+Inf" and "-Inf" included. */
const toNumber = (value: string) => (value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value));

/** Prometheus's HTTP API at `baseUrl` (e.g. http://127.0.0.1:9090). */
export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  private async get<T>(path: string, params: Record<string, string | number>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    const body = (await res.json().catch(() => undefined)) as ApiAnswer<T> | undefined;
    if (!res.ok || !body || body.status !== 'success') {
      throw new Error(`Prometheus ${path}: HTTP ${res.status} ${body?.errorType ?? ''} ${body?.error ?? ''}`.trim());
    }
    return body.data;
  }

  /** An instant query at `time` (unix seconds; default now). */
  async query(promql: string, time?: number): Promise<Series[]> {
    const data = await this.get<VectorOrMatrix>('/api/v1/query', { query: promql, ...(time === undefined ? {} : { time }) });
    return data.result.map((r) => ({ labels: r.metric, samples: r.value ? [[r.value[0], toNumber(r.value[1])]] : [] }));
  }

  /** A range query from `start` to `end` (unix seconds), one point every `stepSeconds`. */
  async queryRange(promql: string, range: { start: number; end: number; stepSeconds: number }): Promise<Series[]> {
    const data = await this.get<VectorOrMatrix>('/api/v1/query_range', {
      query: promql,
      start: range.start,
      end: range.end,
      step: range.stepSeconds,
    });
    return data.result.map((r) => ({ labels: r.metric, samples: (r.values ?? []).map(([t, v]) => [t, toNumber(v)] as [number, number]) }));
  }

  /** The exemplars of the series a query selects, between `start` and `end` (unix seconds). */
  async exemplars(promql: string, range: { start: number; end: number }): Promise<Exemplar[]> {
    const data = await this.get<
      Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }> }>
    >('/api/v1/query_exemplars', { query: promql, start: range.start, end: range.end });
    return data.flatMap((s) =>
      s.exemplars.map((e) => ({
        seriesLabels: s.seriesLabels,
        traceId: e.labels.trace_id,
        spanId: e.labels.span_id,
        timestamp: e.timestamp,
        value: toNumber(e.value),
      })),
    );
  }

  /** The value of a query that yields one number (e.g. a `sum(...)`), or undefined if it yields none. */
  async scalar(promql: string, time?: number): Promise<number | undefined> {
    const [first] = await this.query(promql, time);
    return first?.samples[0]?.[1];
  }

  /** Whether Prometheus is up and ready (GET /-/ready). */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(new URL('/-/ready', this.baseUrl), { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    } catch {
      return false;
    }
  }
}
