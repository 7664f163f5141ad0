import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DbWaitWatcher, type ActivityRow } from '../src/db-waits.js';
import { stripLiterals, traceIdFromSqlComment } from '../src/sql-text.js';

describe('stripLiterals', () => {
  test('strings, numbers, dollar quotes and comments become ?; names and $n placeholders stay', () => {
    assert.equal(
      stripLiterals(
        "BEGIN; SELECT account_id FROM balance.balances WHERE account_id IN ('acct_load_01', 'it''s') AND balance > 10.5e3 FOR UPDATE; SELECT pg_sleep(0.15); COMMIT",
      ),
      'BEGIN; SELECT account_id FROM balance.balances WHERE account_id IN (?, ?) AND balance > ? FOR UPDATE; SELECT pg_sleep(?); COMMIT',
    );
    assert.equal(
      stripLiterals("UPDATE t1 SET v = $1, w = E'a\\'b', x = $tag$secret$tag$, y = $$x$$ -- card 4242\nWHERE id = $2 /* traceparent='00-abc' */"),
      'UPDATE t1 SET v = $1, w = ?, x = ?, y = ? WHERE id = $2',
    );
    assert.equal(stripLiterals('SELECT "col 1", x2 FROM "T" WHERE n = -42 AND h = 0xFF'), 'SELECT "col 1", x2 FROM "T" WHERE n = -? AND h = ?');
  });

  test('a quote inside a comment or a comment marker inside a string does not fool it', () => {
    assert.equal(stripLiterals("SELECT '-- not a comment', 1 /* don't */ FROM t"), 'SELECT ?, ? FROM t');
    assert.equal(stripLiterals("SELECT 'unterminated"), 'SELECT ?');
  });

  test('long text is truncated', () => {
    const text = stripLiterals(`SELECT ${'a, '.repeat(200)}b`, 50);
    assert.equal(text.length, 50);
    assert.ok(text.endsWith('…'));
  });
});

describe('traceIdFromSqlComment', () => {
  const id = '0af7651916cd43dd8448eb211c80319c';
  test("a sampled sqlcommenter traceparent gives the holder's trace id", () => {
    assert.equal(traceIdFromSqlComment(`SELECT 1 /*traceparent='00-${id}-b7ad6b7169203331-01'*/`), id);
  });
  test('none, an unsampled one, or a malformed one gives nothing', () => {
    assert.equal(traceIdFromSqlComment('SELECT 1'), undefined);
    assert.equal(traceIdFromSqlComment(`SELECT 1 /*traceparent='00-${id}-b7ad6b7169203331-00'*/`), undefined);
    assert.equal(traceIdFromSqlComment(`SELECT '00-${id}-b7ad6b7169203331-01'`), undefined);
  });
});

/** A watcher with a hand-driven clock and a scripted pg_stat_activity. */
function setup(script: (pids: number[], n: number) => ActivityRow[], options = { sampleAfterMs: 5, intervalMs: 5 }) {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  let now = 0;
  let calls = 0;
  const asked: number[][] = [];
  // Timers by hand: `armed` says when the watcher's one timer would fire; the tests call tick().
  const timers = { set: () => ({}), clear: () => undefined };
  const watcher = new DbWaitWatcher(
    async (pids) => {
      asked.push(pids);
      return script(pids, calls++);
    },
    options,
    () => now,
    timers,
  );
  return {
    tracer,
    watcher,
    asked,
    finished: () => exporter.getFinishedSpans(),
    advance: async (ms: number) => {
      now += ms;
      await watcher.tick();
    },
  };
}

const row = (pid: number, wait: [string, string] | null, blocker?: Partial<ActivityRow>): ActivityRow => ({
  pid,
  state: 'active',
  wait_event_type: wait?.[0] ?? null,
  wait_event: wait?.[1] ?? null,
  blocker_pid: null,
  blocker_application_name: null,
  blocker_state: null,
  blocker_query: null,
  ...blocker,
});

describe('DbWaitWatcher', () => {
  test('a query that ends before the threshold is never sampled and gets no attributes', async () => {
    const t = setup(() => assert.fail('no sample expected'));
    const span = t.tracer.startSpan('pg.query:SELECT');
    t.watcher.watch(101, span);
    assert.equal(t.watcher.armed, true, 'armed for the threshold');
    await t.advance(3);
    span.end();
    assert.equal(t.watcher.armed, false, 'the query ended first: nothing left to wake up for');
    assert.equal(t.watcher.watching, 0);
    await t.advance(5);
    assert.equal(t.asked.length, 0);
    assert.deepEqual(
      Object.keys(t.finished()[0]!.attributes).filter((k) => k.startsWith('paytrace.db.wait')),
      [],
    );
    t.watcher.close();
  });

  test('a query waiting on a row lock says so, with the holder named and its literals stripped', async () => {
    const holderQuery = "BEGIN; SELECT 1 FROM balance.balances WHERE account_id = 'acct_load_01' FOR UPDATE; SELECT pg_sleep(0.15); COMMIT";
    const t = setup((pids, n) =>
      pids.map((pid) =>
        n < 3
          ? row(pid, ['Lock', 'transactionid'], {
              blocker_pid: 4242,
              blocker_application_name: 'nightly-batch',
              blocker_state: 'active',
              blocker_query: holderQuery,
            })
          : row(pid, null),
      ),
    );
    const span = t.tracer.startSpan('pg.query:INSERT');
    t.watcher.watch(101, span);
    for (let i = 0; i < 4; i++) await t.advance(5); // samples at 5, 10, 15 (lock) and 20 (CPU)
    span.end();
    const a = t.finished()[0]!.attributes;
    assert.equal(a['paytrace.db.wait.samples'], 4);
    assert.equal(a['paytrace.db.wait.waited'], true);
    assert.equal(a['paytrace.db.wait.samples.lock'], 3);
    assert.equal(a['paytrace.db.wait.samples.cpu'], 1);
    assert.equal(a['paytrace.db.wait.event'], 'Lock:transactionid');
    assert.equal(a['paytrace.db.wait.lock_ms'], 15);
    assert.equal(a['paytrace.db.wait.ms'], 15);
    assert.equal(a['paytrace.db.wait.blocker.pid'], 4242);
    assert.equal(a['paytrace.db.wait.blocker.application_name'], 'nightly-batch');
    assert.equal(
      a['paytrace.db.wait.blocker.query'],
      'BEGIN; SELECT ? FROM balance.balances WHERE account_id = ? FOR UPDATE; SELECT pg_sleep(?); COMMIT',
    );
    assert.ok(!JSON.stringify(a).includes('acct_load_01'), 'no literal of the holder reaches the span');
    assert.deepEqual(t.asked[0], [101]);
    t.watcher.close();
  });

  test('a slow query that never waited says it ran (on the CPU), not that it waited', async () => {
    const t = setup((pids) => pids.map((pid) => row(pid, null)));
    const span = t.tracer.startSpan('pg.query:SELECT');
    t.watcher.watch(7, span);
    await t.advance(6);
    await t.advance(5);
    span.end();
    const a = t.finished()[0]!.attributes;
    assert.equal(a['paytrace.db.wait.samples'], 2);
    assert.equal(a['paytrace.db.wait.waited'], false);
    assert.equal(a['paytrace.db.wait.samples.cpu'], 2);
    assert.equal(a['paytrace.db.wait.event'], undefined);
    assert.equal(a['paytrace.db.wait.blocker.pid'], undefined);
    t.watcher.close();
  });

  test('queries on several backends are sampled in one statement; unsampled spans are not watched', async () => {
    const t = setup((pids) => pids.map((pid) => row(pid, ['IO', 'DataFileRead'])));
    const a = t.tracer.startSpan('a');
    const b = t.tracer.startSpan('b');
    t.watcher.watch(1, a);
    t.watcher.watch(2, b);
    t.watcher.watch(3, undefined);
    t.watcher.watch(null, t.tracer.startSpan('no pid yet'));
    assert.equal(t.watcher.watching, 2);
    await t.advance(5);
    assert.deepEqual(t.asked, [[1, 2]]);
    a.end();
    b.end();
    assert.equal(t.finished()[0]!.attributes['paytrace.db.wait.event'], 'IO:DataFileRead');
    assert.equal(t.finished()[0]!.attributes['paytrace.db.wait.lock_ms'], undefined);
    t.watcher.close();
  });

  test('off (sampleAfterMs 0): nothing is watched', () => {
    const t = setup(() => [], { sampleAfterMs: 0, intervalMs: 5 });
    t.watcher.watch(1, t.tracer.startSpan('a'));
    assert.equal(t.watcher.watching, 0);
  });
});
