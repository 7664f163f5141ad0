/** The `paytrace.db.wait.*` attributes a watched query's span ends with (db-waits.ts), from its samples. */
import type { Watch } from './db-waits.js';

/** Span attributes the wait watcher sets (documented in docs/telemetry-settings.md). */
export const DB_WAIT_ATTRIBUTES = {
  samples: 'paytrace.db.wait.samples',
  waited: 'paytrace.db.wait.waited',
  /** Prefix: `paytrace.db.wait.samples.<type>` per wait event type seen (lock, lwlock, io, …; cpu: no wait event). */
  samplesOf: 'paytrace.db.wait.samples.',
  event: 'paytrace.db.wait.event',
  ms: 'paytrace.db.wait.ms',
  lockMs: 'paytrace.db.wait.lock_ms',
  blockerPid: 'paytrace.db.wait.blocker.pid',
  blockerApplication: 'paytrace.db.wait.blocker.application_name',
  blockerState: 'paytrace.db.wait.blocker.state',
  blockerQuery: 'paytrace.db.wait.blocker.query',
  blockerTraceId: 'paytrace.db.wait.blocker.trace_id',
} as const;

const round1 = (ms: number) => Math.round(ms * 10) / 10;

export function waitAttributes(w: Watch): Record<string, string | number | boolean> {
  const a: Record<string, string | number | boolean> = {
    [DB_WAIT_ATTRIBUTES.samples]: w.samples,
    [DB_WAIT_ATTRIBUTES.waited]: w.byEvent.size > 0,
  };
  for (const [type, n] of w.byType) a[`${DB_WAIT_ATTRIBUTES.samplesOf}${type.toLowerCase()}`] = n;
  const event = top(w.byEvent.entries(), ([, n]) => n);
  if (event) {
    a[DB_WAIT_ATTRIBUTES.event] = event[0];
    a[DB_WAIT_ATTRIBUTES.ms] = round1(w.waitMs);
  }
  if (w.lockMs > 0) a[DB_WAIT_ATTRIBUTES.lockMs] = round1(w.lockMs);
  const blocker = top(w.blockers.values(), (b) => b.n);
  if (blocker) {
    a[DB_WAIT_ATTRIBUTES.blockerPid] = blocker.pid;
    a[DB_WAIT_ATTRIBUTES.blockerApplication] = blocker.applicationName;
    a[DB_WAIT_ATTRIBUTES.blockerState] = blocker.state;
    a[DB_WAIT_ATTRIBUTES.blockerQuery] = blocker.query;
    if (blocker.traceId) a[DB_WAIT_ATTRIBUTES.blockerTraceId] = blocker.traceId;
  }
  return a;
}

function top<T>(items: Iterable<T>, weight: (x: T) => number): T | undefined {
  let best: T | undefined;
  for (const x of items) if (best === undefined || weight(x) > weight(best)) best = x;
  return best;
}
