/**
 * What a query span says about its waits in the database (the services' `paytrace.db.wait.*`
 * attributes, sampled from pg_stat_activity while the query ran: services/src/db-waits.ts), and
 * the summary the verdict draws from many such spans. Pure functions.
 */
import type { TraceSpan } from './jaeger-client.js';
import { kindOf, operationKey, operationOf, type TraceIndex } from './spans.js';

/** Who held the lock a query waited on, as its wait samples saw it. */
export interface LockHolder {
  pid: number;
  /** Its session's application_name: `psql`, `paytrace-balance`, a batch job's name… */
  applicationName: string;
  state: string;
  /** Its latest statement, literals stripped. */
  query: string;
  /** Its trace, when its query text carried a sampled traceparent (sqlcommenter). */
  traceId?: string;
}

/** One query span's waits; absent when the query ran under the sampling threshold. */
export interface QueryWait {
  samples: number;
  waited: boolean;
  /** The most frequent wait event, e.g. `Lock:transactionid`. */
  event?: string;
  /** Estimated ms waiting (any wait event) and waiting on a lock. */
  waitMs: number;
  lockMs: number;
  holder?: LockHolder;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0)) || 0;
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function queryWaitOf(span: TraceSpan): QueryWait | undefined {
  const t = span.tags;
  if (t['paytrace.db.wait.samples'] === undefined) return undefined;
  const event = str(t['paytrace.db.wait.event']);
  const holderPid = t['paytrace.db.wait.blocker.pid'];
  const traceId = str(t['paytrace.db.wait.blocker.trace_id']);
  return {
    samples: num(t['paytrace.db.wait.samples']),
    waited: t['paytrace.db.wait.waited'] === true || t['paytrace.db.wait.waited'] === 'true',
    ...(event ? { event } : {}),
    waitMs: num(t['paytrace.db.wait.ms']),
    lockMs: num(t['paytrace.db.wait.lock_ms']),
    ...(holderPid === undefined
      ? {}
      : {
          holder: {
            pid: num(holderPid),
            applicationName: str(t['paytrace.db.wait.blocker.application_name']) ?? '',
            state: str(t['paytrace.db.wait.blocker.state']) ?? '',
            query: str(t['paytrace.db.wait.blocker.query']) ?? '',
            ...(traceId ? { traceId } : {}),
          },
        }),
  };
}

/** A query span of one trace, by the operation it counts against. */
export interface QuerySpanWait {
  /** operationKey of its operation. */
  key: string;
  /** µs. */
  duration: number;
  wait: QueryWait | undefined;
}

/** Every query span of a trace, with its waits. */
export function queriesOf(index: TraceIndex): QuerySpanWait[] {
  const out: QuerySpanWait[] = [];
  for (const s of index.spans) {
    if (kindOf(s) !== 'client' || !(s.tags['db.query.text'] || s.tags['db.system.name'] || s.tags['db.system'])) continue;
    const op = operationOf(s, index);
    if (op.category === 'query') out.push({ key: operationKey(op), duration: s.duration, wait: queryWaitOf(s) });
  }
  return out;
}

/** Lock waits of one operation's spans over many traces: what the verdict says about them. */
export interface LockWaitSummary {
  /** Estimated lock wait / the spans' summed duration (0..1). */
  share: number;
  /** The most common lock wait event, e.g. `Lock:transactionid`. */
  event: string;
  /** The holder that kept them waiting longest (by application name and query), with its most frequent pid. */
  holder: LockHolder | undefined;
  /** How many of the spans waited on a lock, of how many. */
  spansWaiting: number;
  spans: number;
  /** Distinct holder pids of that application name and query (a pool of paytrace's own, one psql…). */
  holderPids: number;
}

/** Summarises the lock waits of the spans of the operation `key` (undefined when none waited on a lock). */
export function lockWaitSummary(queries: QuerySpanWait[], key: string): LockWaitSummary | undefined {
  const mine = queries.filter((q) => q.key === key);
  const totalMs = mine.reduce((a, q) => a + q.duration / 1000, 0);
  const waiting = mine.filter((q) => (q.wait?.lockMs ?? 0) > 0);
  if (waiting.length === 0 || totalMs <= 0) return undefined;
  const lockMs = waiting.reduce((a, q) => a + q.wait!.lockMs, 0);
  const events = new Map<string, number>();
  const holders = new Map<string, { holder: LockHolder; ms: number; pids: Map<number, number> }>();
  for (const q of waiting) {
    const w = q.wait!;
    if (w.event?.startsWith('Lock:')) events.set(w.event, (events.get(w.event) ?? 0) + w.lockMs);
    if (!w.holder) continue;
    const k = `${w.holder.applicationName}\u0000${w.holder.query}`;
    const h = holders.get(k) ?? { holder: w.holder, ms: 0, pids: new Map<number, number>() };
    h.ms += w.lockMs;
    h.pids.set(w.holder.pid, (h.pids.get(w.holder.pid) ?? 0) + 1);
    if (!h.holder.traceId && w.holder.traceId) h.holder = w.holder;
    holders.set(k, h);
  }
  const event = [...events].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'Lock';
  const top = [...holders.values()].sort((a, b) => b.ms - a.ms)[0];
  const pid = top && [...top.pids].sort((a, b) => b[1] - a[1])[0]![0];
  return {
    share: Math.min(1, lockMs / totalMs),
    event,
    holder: top ? { ...top.holder, pid: pid! } : undefined,
    spansWaiting: waiting.length,
    spans: mine.length,
    holderPids: top?.pids.size ?? 0,
  };
}

/** What kind of lock a `Lock:<event>` wait is, in words, and what to look for. */
export function lockWords(event: string): { lock: string; held: string } {
  const type = event.split(':')[1] ?? '';
  if (type === 'transactionid' || type === 'tuple') return { lock: 'a row lock', held: 'those rows' };
  if (type === 'relation' || type === 'extend') return { lock: 'a table lock', held: 'that table' };
  if (type === 'advisory') return { lock: 'an advisory lock', held: 'that advisory lock' };
  return { lock: 'a lock', held: 'that lock' };
}
