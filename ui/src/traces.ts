/**
 * What the pages read from Jaeger, through the devstack's JaegerClient: one trace, the recent
 * payments, and the traces of the last minute for the verdict. Jaeger failing becomes a
 * JaegerUnavailable error page; an unknown trace id becomes a 404.
 */
import { JaegerClient, type TraceSpan } from '@paytrace/devstack';
import { analyzeTrace, rootOf, verdict, type Verdict } from '@paytrace/devstack/detective';
import { jaegerUnavailable, notFound } from './errors.js';

/** The gateway's payment route: the traces the front page lists and judges. */
export const PAYMENT_SEARCH = { service: 'gateway', operation: 'POST /process-payment' } as const;

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

export interface TraceSourceOptions {
  jaegerUrl: string;
  timeoutMs: number;
}

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

export class TraceSource {
  private readonly jaeger: JaegerClient;

  constructor(private readonly options: TraceSourceOptions) {
    this.jaeger = new JaegerClient(options.jaegerUrl, { timeoutMs: options.timeoutMs });
  }

  get jaegerUrl(): string {
    return this.options.jaegerUrl;
  }

  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw jaegerUnavailable(this.options.jaegerUrl, err);
    }
  }

  /** The trace's spans; a 404 page when Jaeger does not have it. */
  async trace(traceId: string): Promise<TraceSpan[]> {
    const spans = await this.ask(() => this.jaeger.getTrace(traceId));
    if (!spans || spans.length === 0) {
      throw notFound(
        `Jaeger has no trace ${traceId}. A trace appears a few seconds after its request (spans are exported in batches); if it was just made, reload.`,
      );
    }
    return spans;
  }

  /**
   * The most recent payments' traces, newest first. Jaeger's search applies the minimum duration
   * and, for failures, the error tag before its limit, so a rare slow or failed payment is not
   * crowded out by the many quick ones.
   */
  async recentPayments(search: { lookbackMs: number; minDurationMs?: number; outcome?: Outcome | 'all'; limit: number }): Promise<TraceSummary[]> {
    const now = Date.now();
    const traces = await this.ask(() =>
      this.jaeger.searchTraces({
        ...PAYMENT_SEARCH,
        fromMs: now - search.lookbackMs,
        toMs: now,
        limit: search.limit,
        ...(search.minDurationMs ? { minDurationMs: search.minDurationMs } : {}),
        ...(search.outcome === 'failed' ? { tags: { error: 'true' } } : {}),
      }),
    );
    return traces
      .flatMap((spans) => summarize(spans) ?? [])
      .filter((t) => t.durationUs >= (search.minDurationMs ?? 0) * 1000)
      .filter((t) => search.outcome === undefined || search.outcome === 'all' || t.outcome === search.outcome)
      .sort((a, b) => b.startMs - a.startMs);
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
  }): Promise<{ verdict: Verdict; fromMs: number; toMs: number; sampled: boolean }> {
    const toMs = Date.now() - options.settleMs;
    const fromMs = toMs - 60_000;
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
    return { verdict: verdict([...traces.values()].map(analyzeTrace)), fromMs, toMs, sampled };
  }
}
