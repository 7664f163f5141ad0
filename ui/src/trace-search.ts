/**
 * What /search and the front page's "find" box read from Jaeger: the traces of a search, each
 * summarised with its verdict line (any route: payments, GET /accounts/me, the reconciler's runs),
 * and the services and their operations for the form's pickers.
 */
import { analyzeTrace, rootOf, verdictForTrace, type TraceSpan } from '@paytrace/trace-analysis';
import { JaegerReader } from './jaeger-reader.js';
import { reconciliationOf } from './payment-traces.js';
import { rootInRange, toTraceSearch, type SearchQuery } from './search-query.js';
import { summarize, type TraceSummary } from './traces.js';

/** One trace in the results: the front page's summary, its root, its verdict line, and a reconciliation run's outcome. */
export interface FoundTrace extends TraceSummary {
  root: { service: string; name: string };
  /** The detective's sentence for this one trace (what its trace page says). */
  verdict: string;
  /** A run of the gateway's reconciler: its outcome (`succeeded`, `released`, `retry_later`), not a status code. */
  reconcileOutcome: string | undefined;
}

export interface SearchResult {
  traces: FoundTrace[];
  /** The window searched, ms since the epoch. */
  fromMs: number;
  toMs: number;
  /** Jaeger returned its limit: there may be more. */
  capped: boolean;
  /** Jaeger's traces left out because their root lasted outside the duration range. */
  outOfRange: number;
}

export function foundTrace(spans: TraceSpan[]): FoundTrace | undefined {
  const summary = summarize(spans);
  const root = rootOf(spans);
  if (!summary || !root) return undefined;
  const run = reconciliationOf(spans);
  return {
    ...summary,
    root: { service: root.service, name: root.name },
    verdict: verdictForTrace(analyzeTrace(spans)).sentence,
    reconcileOutcome: run ? (run.outcome ?? 'unknown') : undefined,
  };
}

export class TraceSearchSource extends JaegerReader {
  /** One Jaeger search; the traces whose root lasted within the range, newest first. */
  async search(query: SearchQuery, nowMs = Date.now()): Promise<SearchResult> {
    const search = toTraceSearch(query, nowMs);
    const traces = await this.ask(() => this.jaeger.searchTraces(search));
    const found = traces.flatMap((spans) => foundTrace(spans) ?? []);
    const kept = found.filter((t) => rootInRange(query, t.durationUs)).sort((a, b) => b.startMs - a.startMs);
    return { traces: kept, fromMs: search.fromMs, toMs: search.toMs, capped: traces.length >= query.limit, outOfRange: found.length - kept.length };
  }

  /** The services Jaeger has seen, sorted. */
  async services(): Promise<string[]> {
    return (await this.ask(() => this.jaeger.services())).sort();
  }

  /** A service's span names, sorted (an unknown service has none). */
  async operations(service: string): Promise<string[]> {
    return [...new Set((await this.ask(() => this.jaeger.operations(service))).map((o) => o.name))].sort();
  }
}
