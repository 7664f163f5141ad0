/**
 * What the pages read from Jaeger, through @paytrace/trace-analysis's JaegerClient: one trace, the recent
 * payments, the traces of the last minute for the verdict, and a payment's reconciliation runs.
 * Jaeger failing becomes a JaegerUnavailable error page (except for the reconciliation runs, an
 * extra the trace page does without); an unknown trace id becomes a 404.
 */
import {
  type TraceSpan,
  analyzeTrace,
  rootOf,
  routeSearchFor,
  verdict,
  type RuntimeFinding,
  type TraceSearch,
  type Verdict,
  type OtlpTraces,
} from '@paytrace/trace-analysis';
import { describeCause, notFound } from './errors.js';
import { JaegerReader, type JaegerReaderOptions } from './jaeger-reader.js';
import { PAYMENT_ID_ATTRIBUTE, PAYMENT_SEARCH, RECONCILE_SEARCH, reconciliationOf, type Reconciliation, type Settlements } from './payment-traces.js';

/**
 * The answers of a failed payment, searched one by one on the root span's status code. Not the
 * `error=true` tag: Jaeger v2.13's in-memory store (the default) compares that tag as a boolean
 * while its HTTP API passes a string, so it finds the spans that did *not* fail (a local
 * workaround: docs/upstream/jaeger-memstore-error-tag.md). The gateway answers these four.
 */
export const FAILED_STATUS_CODES = [500, 502, 503, 504] as const;

/** The most reconciliation runs of one payment the trace page asks Jaeger for. */
export const SETTLEMENT_LIMIT = 20;

export type Outcome = 'succeeded' | 'rejected' | 'failed';

export interface TraceSummary {
  traceId: string;
  /** ms since the epoch */
  startMs: number;
  durationUs: number;
  statusCode: number | undefined;
  outcome: Outcome;
  /** In the order they first appear. */
  services: string[];
  spanCount: number;
}

export type TraceSourceOptions = JaegerReaderOptions;

/** succeeded: 2xx; rejected: the caller's mistake or a decline (4xx); failed: a 5xx or an ERROR root. */
export function outcomeOf(root: TraceSpan): { outcome: Outcome; statusCode: number | undefined } {
  const code = Number(root.tags['http.response.status_code']);
  const statusCode = Number.isInteger(code) && code > 0 ? code : undefined;
  if (root.tags['otel.status_code'] === 'ERROR' || (statusCode !== undefined && statusCode >= 500)) return { outcome: 'failed', statusCode };
  if (statusCode !== undefined && statusCode >= 400) return { outcome: 'rejected', statusCode };
  return { outcome: 'succeeded', statusCode };
}

export function summarize(spans: TraceSpan[]): TraceSummary | undefined {
  const root = rootOf(spans);
  if (!root) return undefined;
  const services = [...new Set([...spans].sort((a, b) => a.startTime - b.startTime).map((s) => s.service))];
  return { traceId: root.traceId, startMs: root.startTime / 1000, durationUs: root.duration, ...outcomeOf(root), services, spanCount: spans.length };
}

export class TraceSource extends JaegerReader {
  /** The trace's spans; a 404 page when Jaeger does not have it. */
  async trace(traceId: string): Promise<TraceSpan[]> {
    const spans = await this.ask(() => this.jaeger.getTrace(traceId));
    if (!spans || spans.length === 0) {
      throw notFound(
        `Jaeger has no trace ${traceId}. A trace appears a few seconds after its request (spans are exported in batches); if it was just made, reload. ` +
          "If a chart's exemplar led here, the Collector's tail sampling may have dropped it: span metrics count every span before that decision (docs/metrics.md).",
      );
    }
    return spans;
  }

  /** The trace as Jaeger's /api/v3 gives it (OTLP JSON), for a download; a 404 page when Jaeger does not have it. */
  async traceOtlp(traceId: string): Promise<OtlpTraces> {
    const otlp = await this.ask(() => this.jaeger.getTraceOtlp(traceId));
    if (!otlp) throw notFound(`Jaeger has no trace ${traceId}.`);
    return otlp;
  }

  /**
   * The most recent payments' traces, newest first. Jaeger's search applies the minimum duration
   * and, for failures, the status code before its limit, so a rare slow or failed payment is not
   * crowded out by the many quick ones.
   */
  async recentPayments(search: { lookbackMs: number; minDurationMs?: number; outcome?: Outcome | 'all'; limit: number }): Promise<TraceSummary[]> {
    const now = Date.now();
    const find = (tags?: Record<string, string>) =>
      this.jaeger.searchTraces({
        ...PAYMENT_SEARCH,
        fromMs: now - search.lookbackMs,
        toMs: now,
        limit: search.limit,
        ...(search.minDurationMs ? { minDurationMs: search.minDurationMs } : {}),
        ...(tags ? { tags } : {}),
      });
    const traces = await this.ask(async () =>
      search.outcome === 'failed'
        ? (await Promise.all(FAILED_STATUS_CODES.map((code) => find({ 'http.response.status_code': String(code) })))).flat()
        : find(),
    );
    const byId = new Map(traces.flatMap((spans) => summarize(spans) ?? []).map((t) => [t.traceId, t]));
    return [...byId.values()]
      .filter((t) => t.durationUs >= (search.minDurationMs ?? 0) * 1000)
      .filter((t) => search.outcome === undefined || search.outcome === 'all' || t.outcome === search.outcome)
      .sort((a, b) => b.startMs - a.startMs)
      .slice(0, search.limit);
  }

  /**
   * The detective's verdict over the payments that started in the minute before `settleMs` ago
   * (newer ones may still lack spans that explain their time). Jaeger's search returns whole
   * traces, newest first, so under load reading the whole minute costs seconds and the newest N
   * would cover only its last seconds: the minute is cut into `slices` searched at once, each
   * giving its newest `perSlice`, a sample spread over the whole minute.
   */
  async lastMinuteVerdict(options: {
    settleMs: number;
    slices: number;
    perSlice: number;
    /** The services the same minute's runtime metrics name, asked for while Jaeger searches (MetricsSource.runtimeFindings). */
    runtimeFindings?: (fromMs: number, toMs: number) => Promise<readonly RuntimeFinding[]>;
  }): Promise<{ verdict: Verdict; fromMs: number; toMs: number; sampled: boolean }> {
    const toMs = Date.now() - options.settleMs;
    const fromMs = toMs - 60_000;
    const runtime = options.runtimeFindings?.(fromMs, toMs) ?? Promise.resolve([]);
    const sliceMs = 60_000 / options.slices;
    const slices = await this.ask(() =>
      Promise.all(
        Array.from({ length: options.slices }, (_, i) =>
          this.jaeger.searchTraces({ ...PAYMENT_SEARCH, fromMs: fromMs + i * sliceMs, toMs: fromMs + (i + 1) * sliceMs, limit: options.perSlice }),
        ),
      ),
    );
    // A trace that started on a slice's edge can come back from both searches.
    const traces = new Map(slices.flat().map((spans) => [spans[0]?.traceId, spans]));
    const sampled = slices.some((found) => found.length >= options.perSlice);
    return { verdict: verdict([...traces.values()].map(analyzeTrace), { runtime: await runtime }), fromMs, toMs, sampled };
  }

  /**
   * The gateway's traces of one route that started in [fromMs, toMs]: the window is cut into
   * `slices` searched at once, each giving its newest `perSlice`, so a busy window is sampled
   * evenly over its length (as lastMinuteVerdict does). `sampled`: some slice held more.
   */
  async windowTraces(search: {
    operation: string;
    fromMs: number;
    toMs: number;
    slices: number;
    perSlice: number;
  }): Promise<{ traces: TraceSpan[][]; sampled: boolean }> {
    const sliceMs = (search.toMs - search.fromMs) / search.slices;
    const slices = await this.ask(() =>
      Promise.all(
        Array.from({ length: search.slices }, (_, i) =>
          this.jaeger.searchTraces({
            service: PAYMENT_SEARCH.service,
            operation: search.operation,
            fromMs: search.fromMs + i * sliceMs,
            toMs: search.fromMs + (i + 1) * sliceMs,
            limit: search.perSlice,
          }),
        ),
      ),
    );
    // A trace that started on a slice's edge can come back from both searches.
    const traces = new Map(slices.flat().map((spans) => [spans[0]?.traceId, spans]));
    return { traces: [...traces.values()], sampled: slices.some((found) => found.length >= search.perSlice) };
  }

  /**
   * The same route's traces (the root's service and span name) in the 5 minutes before this one
   * ended, at most ROUTE_WINDOW_LIMIT, the newest first: what its spans are ranked among and where a
   * typical trace is found. A failed search is returned as its reason (the trace page does without).
   */
  async routeTraces(spans: TraceSpan[]): Promise<{ traces: TraceSpan[][]; search: TraceSearch } | { error: string }> {
    const search = routeSearchFor(spans);
    try {
      return { traces: await this.jaeger.searchTraces(search), search };
    } catch (err) {
      return { error: describeCause(err) };
    }
  }

  /**
   * The reconciliation runs of a payment that started in `fromMs` or later (the payment's own
   * start), up to SETTLEMENT_LIMIT. Not worth an error page: a failed or timed-out search (the
   * client's timeout, as every call) is returned as its reason, and the page shows the trace
   * without the runs.
   */
  async settlements(payment: { paymentId: string; fromMs: number }): Promise<Settlements> {
    const { paymentId } = payment;
    try {
      const traces = await this.jaeger.searchTraces({
        ...RECONCILE_SEARCH,
        tags: { [PAYMENT_ID_ATTRIBUTE]: paymentId },
        fromMs: payment.fromMs,
        toMs: Math.max(Date.now(), payment.fromMs + 1),
        limit: SETTLEMENT_LIMIT,
      });
      const runs = new Map<string, Reconciliation>();
      for (const spans of traces) {
        const run = reconciliationOf(spans);
        // Jaeger matches the tag on any gateway span of that name; only the reconciler's roots count.
        if (run?.paymentId === paymentId) runs.set(run.traceId, run);
      }
      return {
        paymentId,
        runs: [...runs.values()].sort((a, b) => a.startMs - b.startMs || (a.attempt ?? 0) - (b.attempt ?? 0)),
        complete: traces.length < SETTLEMENT_LIMIT,
      };
    } catch (err) {
      return { paymentId, error: describeCause(err) };
    }
  }
}
