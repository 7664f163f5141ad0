/** A payment's trace from Jaeger once it has settled, and a bounded parallel loop over payments: shared by both fidelity checks. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JaegerClient, TraceSpan } from '@paytrace/trace-analysis';
import { checkPaymentTrace, worstProblem, type Problem, type ProblemKind } from './check.js';

export interface SettledTrace {
  /** What Jaeger has of the trace (empty: nothing). */
  spans: TraceSpan[];
  /** What is wrong with it; a trace Jaeger does not have is `incomplete`, "not in Jaeger". */
  problems: Problem[];
  worst: ProblemKind | undefined;
}

/**
 * Fetches a payment's trace until it is whole, or its problem cannot heal, or `deadline` (ms since
 * the epoch) passes: spans still on their way look like a missing hop or an orphan (or no trace
 * yet), which may heal; a cross-wired or mis-nested trace does not, and is final at once.
 */
export async function settledPaymentTrace(
  jaeger: JaegerClient,
  trace: { traceId: string; paymentId: string },
  options: { deadline: number; toleranceUs?: number },
): Promise<SettledTrace> {
  const expectation = { paymentId: trace.paymentId, ...(options.toleranceUs === undefined ? {} : { toleranceUs: options.toleranceUs }) };
  for (;;) {
    const spans = (await jaeger.getTrace(trace.traceId)) ?? [];
    const problems = spans.length === 0 ? [{ kind: 'incomplete' as const, detail: 'not in Jaeger' }] : checkPaymentTrace(spans, expectation);
    const worst = worstProblem(problems);
    if ((worst === 'incomplete' || worst === 'malformed') && Date.now() < options.deadline) {
      await sleep(500);
      continue;
    }
    return { spans, problems, worst };
  }
}

/** Runs `fn` over `items`, at most `limit` at once (Jaeger is asked about 8 traces at a time). */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
