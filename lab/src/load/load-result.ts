/** What one run of the traffic mix measured (LoadResult), whichever generator drove it, from per-request records. */
import type { GeneratorName, WaitingStats } from '@paytrace/loadtest/sampling-lab-json';
import type { RequestKind } from './traffic-mix.js';

/** Which program drives the load (the project's pinned Vegeta, or a k6 the user installed), and a waiting time's summary. */
export type { GeneratorName, WaitingStats };

/** What one run of the traffic mix at a constant arrival rate measured, whichever generator drove it. */
export interface LoadResult {
  generator: GeneratorName;
  /** Requests sent. */
  requests: number;
  /** Requests per second actually sent. */
  achievedRps: number;
  /** Latency (ms) of the mix's payments, until the whole answer was read. */
  p50: number;
  p95: number;
  p99: number;
  /**
   * Time until the answer's first byte (ms) of the payments: the ground truth for the trace
   * estimate. k6 measures it apart; Vegeta only to the end of the answer, which for these
   * answers (a few hundred bytes, one packet) is the same within microseconds.
   */
  waiting: { p50: number; p95: number; p99: number };
  /**
   * The waiting time of the 201 payments split by the sampled flag of the gateway's
   * `traceresponse` header: are the requests a sample keeps typical of all of them? (null: none
   * of that kind, e.g. with the SDK off.)
   */
  waitingBySampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  /** Share of answers whose status is not the one the request's kind must get (traffic-mix.js). */
  errorRate: number;
  /**
   * Arrivals that did not go out on time because every in-flight slot was taken (concurrency()
   * in traffic-mix.js): k6's dropped iterations; for Vegeta, those sent over LATE_MS after their
   * slot or never sent.
   */
  droppedIterations: number;
  /**
   * The truth the metrics are held against (every request is a POST /process-payment): the
   * requests the gateway answered (any status, not 0), the 5xx among them, and their latency as
   * the client measured it (a round trip: a little longer than the server's own measure).
   * Absent for k6, whose summary does not split answers this way.
   */
  answered?: { requests: number; serverErrors: number; latencyMs: { p50: number; p95: number; p99: number } };
}

/** One request as a generator reported it. */
export interface RequestRecord {
  kind: RequestKind;
  /** The status its kind must get. */
  expectedStatus: number;
  /** 0: no answer (refused, reset, or the client's own timeout). */
  status: number;
  latencyMs: number;
  /** How long after its slot (start + seq / rate) it went out, in ms. */
  lateMs: number;
  /** The traceresponse header's sampled flag; undefined when the answer had none (SDK off). */
  sampled: boolean | undefined;
}

/** A request counts as dropped past this lateness: far beyond a busy machine's timer jitter. */
export const LATE_MS = 100;

/** The q-quantile of sorted values, interpolated between the closest ranks (as k6 computes p(95)). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = q * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

const sortedBy = (records: readonly RequestRecord[], pick: (r: RequestRecord) => number) => records.map(pick).sort((a, b) => a - b);

function waitingStats(records: readonly RequestRecord[]): WaitingStats | null {
  if (records.length === 0) return null;
  const ms = sortedBy(records, (r) => r.latencyMs);
  return { count: ms.length, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), p99: percentile(ms, 0.99) };
}

/**
 * The lab's figures from per-request records of a run meant to send `scheduled` requests over
 * `sendSpanS` seconds (from the first request sent to the last).
 */
export function summariseRecords(
  generator: GeneratorName,
  records: readonly RequestRecord[],
  run: { scheduled: number; sendSpanS: number },
): LoadResult {
  const payments = records.filter((r) => r.kind === 'payment');
  const latency = sortedBy(payments, (r) => r.latencyMs);
  const q = (sorted: number[]) => ({ p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) });
  const paid = payments.filter((r) => r.status === 201 && r.sampled !== undefined);
  const late = records.filter((r) => r.lateMs > LATE_MS).length;
  const answered = records.filter((r) => r.status !== 0);
  return {
    generator,
    requests: records.length,
    achievedRps: run.sendSpanS > 0 ? (records.length - 1) / run.sendSpanS : records.length,
    ...q(latency),
    waiting: q(latency),
    waitingBySampling: { sampled: waitingStats(paid.filter((r) => r.sampled)), unsampled: waitingStats(paid.filter((r) => !r.sampled)) },
    errorRate: records.length > 0 ? records.filter((r) => r.status !== r.expectedStatus).length / records.length : 0,
    droppedIterations: late + Math.max(0, run.scheduled - records.length),
    answered: {
      requests: answered.length,
      serverErrors: answered.filter((r) => r.status >= 500).length,
      latencyMs: q(sortedBy(answered, (r) => r.latencyMs)),
    },
  };
}
