/**
 * Database waits in the trace: while one of the pool's queries runs longer than a threshold, its
 * backend's wait event is sampled from `pg_stat_activity` every few ms, and when its span ends it
 * says whether the query waited, on what, and, for a lock, who held it (pid, application name,
 * state, query text with literals stripped, and the holder's trace if its query carried one).
 *
 * How a sample is tied to a span: the pool's clients are a subclass of pg.Client whose `query`
 * takes, synchronously, the span the pg instrumentation just started for it (query-span-slot.ts)
 * and its backend pid (`processID`). Fast queries cost one small object in a Set and wake no
 * timer (DbWaitWatcher); only a query still running after the threshold is sampled. All samples of a tick are one statement on ONE monitoring connection per
 * service, outside the pool, with its own application name and tracing suppressed (no spans, no
 * query metrics). Parameter values are never read: pg_stat_activity shows our own queries with
 * $1 placeholders, and another session's text is stripped of literals (sql-text.ts).
 */
import { ROOT_CONTEXT, context, type Span } from '@opentelemetry/api';
import { stripLiterals, traceIdFromSqlComment } from './sql-text.js';
import { waitAttributes } from './db-wait-attributes.js';

export interface DbWaitOptions {
  /** Sample a query once it has run this long (ms). 0 turns sampling off. Default 5. */
  sampleAfterMs?: number;
  /** Time between two samples (ms); also the watcher's tick. Default 5. */
  intervalMs?: number;
}

export const DEFAULT_DB_WAIT_SAMPLE_AFTER_MS = 5;
export const DEFAULT_DB_WAIT_INTERVAL_MS = 5;

/** One row per (backend, blocker): what it waits on now, and who blocks it (for a Lock wait). */
export interface ActivityRow {
  pid: number;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  blocker_pid: number | null;
  blocker_application_name: string | null;
  blocker_state: string | null;
  blocker_query: string | null;
}

/** Reads pg_stat_activity for these pids (the monitoring connection; a stand-in in unit tests). */
export type ActivitySource = (pids: number[]) => Promise<ActivityRow[]>;

/**
 * Reads only the watched backends (pg_stat_get_activity(pid), not the whole view), and asks
 * pg_blocking_pids, which takes the lock manager's locks, only for a backend waiting on a Lock.
 * The holder's `query` is what it runs or last ran (its transaction may have taken the lock
 * earlier: the text is the session's latest statement, the application name says whose it is).
 * A prepared statement on the monitoring connection: parsed and planned once. (The guard on
 * bp.pid matters: pg_stat_get_activity(NULL) is every backend.)
 */
export const ACTIVITY_SQL = `SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
       b.pid AS blocker_pid, b.application_name AS blocker_application_name, b.state AS blocker_state, b.query AS blocker_query
  FROM unnest($1::int[]) AS w(pid)
 CROSS JOIN LATERAL pg_stat_get_activity(w.pid) AS a
  LEFT JOIN LATERAL unnest(CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}'::int[] END) AS bp(pid) ON true
  LEFT JOIN LATERAL (SELECT * FROM pg_stat_get_activity(bp.pid) WHERE bp.pid IS NOT NULL) AS b ON true`;

export interface Blocker {
  pid: number;
  applicationName: string;
  state: string;
  query: string;
  traceId: string | undefined;
  n: number;
}

export interface Watch {
  span: Span;
  pid: number;
  startedAt: number;
  /** When it is next due for a sample: the threshold first, then every interval. */
  nextAt: number;
  /** When the last sample was sent (or the query started): the next sample covers the time since. */
  lastAt: number;
  samples: number;
  byType: Map<string, number>;
  byEvent: Map<string, number>;
  waitMs: number;
  lockMs: number;
  blockers: Map<string, Blocker>;
  done: boolean;
}

/** setTimeout and clearTimeout, replaceable in tests. */
export interface WatcherTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: WatcherTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The watcher of one service's pool. One timer, armed for the earliest moment a watched query
 * would be due for a sample, and moved when that query ends first: a query that ends under the
 * threshold costs a Set entry, a wrapped `span.end` and moving the timer, and wakes nothing up.
 * (A shared interval ticking while any query was in flight woke each service ~200 times a second
 * under load and cost more: docs/detective.md, "Waits in the database".)
 */
export class DbWaitWatcher {
  readonly sampleAfterMs: number;
  readonly intervalMs: number;
  private readonly watches = new Set<Watch>();
  private timer: unknown;
  private timerAt = Infinity;
  private sampling = false;
  private closed = false;

  constructor(
    private readonly activity: ActivitySource,
    options: DbWaitOptions = {},
    private readonly now: () => number = () => performance.now(),
    private readonly timers: WatcherTimers = REAL_TIMERS,
  ) {
    this.sampleAfterMs = options.sampleAfterMs ?? DEFAULT_DB_WAIT_SAMPLE_AFTER_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_DB_WAIT_INTERVAL_MS;
  }

  get enabled(): boolean {
    return this.sampleAfterMs > 0 && !this.closed;
  }

  /** A query started on backend `pid` with this span: watch it until the span ends. */
  watch(pid: number | null | undefined, span: Span | undefined): void {
    if (!span || !pid || !this.enabled || !span.isRecording()) return;
    const at = this.now();
    const w: Watch = {
      span,
      pid,
      startedAt: at,
      nextAt: at + this.sampleAfterMs,
      lastAt: at,
      samples: 0,
      byType: new Map(),
      byEvent: new Map(),
      waitMs: 0,
      lockMs: 0,
      blockers: new Map(),
      done: false,
    };
    this.watches.add(w);
    const end = span.end.bind(span);
    span.end = (endTime) => {
      this.finish(w);
      end(endTime);
    };
    // Every earlier watch is due no later than this one: a timer already armed is early enough.
    if (this.timer === undefined && !this.sampling) this.arm(w.nextAt);
  }

  /** Queries being watched now, and whether a timer is armed (for tests). */
  get watching(): number {
    return this.watches.size;
  }
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** The span ends: its attributes from the samples that came back by then; the timer follows the next query due. */
  private finish(w: Watch): void {
    if (w.done) return;
    w.done = true;
    this.watches.delete(w);
    if (w.samples > 0) w.span.setAttributes(waitAttributes(w));
    if (!this.sampling && w.nextAt <= this.timerAt) this.reschedule();
  }

  private arm(at: number): void {
    this.disarm();
    this.timerAt = at;
    // Armed outside any request's context, so it keeps none alive.
    this.timer = context.with(ROOT_CONTEXT, () =>
      this.timers.set(
        () => {
          this.timer = undefined;
          this.timerAt = Infinity;
          this.tick().catch(() => undefined);
        },
        Math.max(0, at - this.now()),
      ),
    );
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private reschedule(): void {
    let next = Infinity;
    for (const w of this.watches) if (w.nextAt < next) next = w.nextAt;
    if (next === Infinity || this.closed) this.disarm();
    else if (next !== this.timerAt) this.arm(next);
  }

  /** Samples every query due now (one statement for all), then arms the timer for the next. */
  async tick(): Promise<void> {
    const now = this.now();
    const due: Watch[] = [];
    for (const w of this.watches) {
      if (!w.span.isRecording()) this.finish(w);
      else if (w.nextAt <= now) due.push(w);
    }
    // One statement in flight at a time: a slow database is not sampled harder.
    if (this.sampling) return;
    if (due.length === 0) {
      this.reschedule();
      return;
    }
    this.sampling = true;
    for (const w of due) w.nextAt = now + this.intervalMs;
    try {
      const rows = await this.activity([...new Set(due.map((w) => w.pid))]);
      const byPid = new Map<number, ActivityRow[]>();
      for (const r of rows) byPid.set(r.pid, [...(byPid.get(r.pid) ?? []), r]);
      for (const w of due) {
        const mine = byPid.get(w.pid);
        if (!w.done && mine) this.record(w, mine, now);
      }
    } catch {
      // The monitoring connection failed: these samples are lost, the queries are unaffected.
    } finally {
      this.sampling = false;
      this.reschedule();
    }
  }

  private record(w: Watch, rows: ActivityRow[], sentAt: number): void {
    const first = rows[0]!;
    // Not running a statement (its answer is on the way back): nothing of the query to see.
    if (first.state !== 'active') return;
    const covered = Math.max(0, sentAt - w.lastAt);
    w.lastAt = sentAt;
    w.samples++;
    const type = first.wait_event_type ?? 'CPU';
    w.byType.set(type, (w.byType.get(type) ?? 0) + 1);
    if (first.wait_event_type) {
      const event = `${first.wait_event_type}:${first.wait_event ?? ''}`;
      w.byEvent.set(event, (w.byEvent.get(event) ?? 0) + 1);
      w.waitMs += covered;
    }
    if (first.wait_event_type !== 'Lock') return;
    w.lockMs += covered;
    for (const r of rows) {
      if (r.blocker_pid === null) continue;
      const applicationName = r.blocker_application_name ?? '';
      const query = stripLiterals(r.blocker_query ?? '');
      const key = `${r.blocker_pid}\u0000${query}`;
      const b = w.blockers.get(key) ?? {
        pid: r.blocker_pid,
        applicationName,
        state: r.blocker_state ?? '',
        query,
        traceId: traceIdFromSqlComment(r.blocker_query ?? ''),
        n: 0,
      };
      b.n++;
      w.blockers.set(key, b);
    }
  }

  /** Stops sampling; the monitoring connection is the caller's to close. */
  close(): void {
    this.closed = true;
    this.disarm();
    this.watches.clear();
  }
}
