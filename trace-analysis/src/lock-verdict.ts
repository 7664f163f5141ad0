/**
 * The verdict's words for a query that waited on a lock (db-waits.ts has the spans' summary): the
 * advice naming the lock and its holder, and when a lock held now and then is named at all.
 */
import type { TraceAnalysis } from './analysis.js';
import { operationKey } from './spans.js';
import { lockWaitSummary, lockWords, type LockWaitSummary } from './db-waits.js';
import type { OperationStats } from './verdict-types.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The p95 share from which a query's intermittent lock wait is named though its mean share is small. */
const MIN_LOCK_P95_SHARE = 0.5;

/**
 * A lock held now and then (a batch job's transaction every few hundred ms) delays only the
 * requests that arrive while it is held: its mean share of the critical path stays small while
 * those requests spend most of their time waiting. A query whose spans mostly waited on a lock and
 * which holds at least half of the critical path at p95 is then named, not "no bottleneck".
 */
export function intermittentLockWait(traces: TraceAnalysis[], operations: OperationStats[], minLockWaitShare: number) {
  const queries = traces.flatMap((t) => t.queries ?? []);
  for (const op of operations) {
    if (op.category !== 'query' || op.p95 < MIN_LOCK_P95_SHARE) continue;
    const lockWait = lockWaitSummary(queries, operationKey(op));
    if (lockWait && lockWait.share >= minLockWaitShare) return { op, lockWait };
  }
  return undefined;
}

/** "it waited on a row lock (Lock:transactionid) for 80% of its time, held by psql (pid 1234: "…"): find who…". */
export function lockAdvice(w: LockWaitSummary): string {
  const { lock, held } = lockWords(w.event);
  const h = w.holder;
  const who = h
    ? `, held by ${h.applicationName || 'a session with no application name'} (` +
      `${w.holderPids > 1 ? `${w.holderPids} sessions, e.g. pid ${h.pid}` : `pid ${h.pid}`}` +
      `${h.state ? `, ${h.state}` : ''}${h.traceId ? `, trace ${h.traceId}` : ''}${h.query ? `: "${h.query}"` : ''})`
    : '';
  return (
    `it waited on ${lock} (${w.event}) for ${pct(w.share)} of its time${who}: ` +
    `find who holds ${held} and shorten or move that transaction (its plan is not the problem).`
  );
}
