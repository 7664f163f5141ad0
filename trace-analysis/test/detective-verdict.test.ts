import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTrace, verdict, verdictForTrace } from '../src/index.js';
import { renderWaterfall } from '../src/waterfall.js';
import { accountTrace, loadFixture, paymentTrace, span } from './fixtures/detective-traces.js';
import type { TraceSpan } from '../src/jaeger-client.js';

const payments = (n: number, options: { stripeMs?: (i: number) => number; failEvery?: number } = {}) =>
  Array.from({ length: n }, (_, i) =>
    analyzeTrace(
      paymentTrace({
        traceId: `t${i}`,
        stripeMs: options.stripeMs?.(i) ?? 90,
        fail: options.failEvery !== undefined && i % options.failEvery === 0,
      }),
    ),
  );

test('no traces: no culprit, and a sentence that says so', () => {
  const v = verdict([]);
  assert.equal(v.culprit, undefined);
  assert.equal(v.count, 0);
  assert.match(v.sentence, /no traces/i);
});

test('latency: the slow outside call in the service holding most of the critical path', () => {
  const v = verdict(payments(40, { stripeMs: (i) => 60 + i }));
  assert.equal(v.failed, 0);
  assert.deepEqual(
    { ...v.culprit, share: undefined },
    { service: 'payments', operation: 'POST', target: '127.0.0.1:12111/v1/charges', kind: 'latency', share: undefined },
  );
  const stripe = v.operations[0]!;
  assert.equal(stripe.target, '127.0.0.1:12111/v1/charges', 'operations are sorted by mean share');
  assert.equal(v.culprit!.share, stripe.mean);
  assert.ok(stripe.p50 <= stripe.p95 && stripe.p50 > 0.6 && stripe.p95 < 0.8);
  assert.equal(v.services[0]!.service, 'payments');
  assert.match(
    v.sentence,
    /^payments' call to 127\.0\.0\.1:12111\/v1\/charges \(an outside API\) is \d+% of the critical path \(p50 \d+%, p95 \d+%\) over 40 traces/,
  );
  assert.match(v.sentence, /time out that call/);
});

test('percentiles by nearest rank; a trace without the service counts 0 for it', () => {
  // Four traces: payments' share is 0 in one (a request that never reached it).
  const withPayments = payments(3);
  const without = analyzeTrace([span('root', undefined, 'gateway', 'GET /health', 'server', 0, 10, {}, 'h')]);
  const v = verdict([...withPayments, without]);
  const p = v.services.find((s) => s.service === 'payments')!;
  const share = withPayments[0]!.onPath.services.find((s) => s.service === 'payments')!.share;
  assert.ok(Math.abs(p.mean - (share * 3) / 4) < 1e-12);
  assert.equal(p.p50, share, 'the 2nd of [0, s, s, s]');
  assert.equal(p.p95, share);
  const gateway = v.services.find((s) => s.service === 'gateway')!;
  assert.equal(gateway.p95, 1, 'the health check is all gateway');
});

test('errors: past the failure rate, the most frequent error origin, whatever the latency', () => {
  const traces = payments(20, { failEvery: 5 }); // 4 of 20 fail: 20%
  const v = verdict(traces);
  assert.equal(v.failed, 4);
  assert.equal(v.failureRate, 0.2);
  assert.deepEqual(v.culprit, { service: 'payments', operation: 'POST', target: '127.0.0.1:12111/v1/charges', share: 0.2, kind: 'errors' });
  assert.match(
    v.sentence,
    /^4 of 20 traces failed \(20%\), 4 of them starting at payments' call to 127\.0\.0\.1:12111\/v1\/charges \(an outside API\) with ECONNRESET/,
  );
  assert.equal(verdict(traces, { minFailureRate: 0.5 }).culprit?.kind, 'latency', 'below the threshold latency decides');
  assert.equal(verdictForTrace(traces[0]!).culprit?.kind, 'errors');
});

test('sequential: independent reads awaited one after the other in most traces', () => {
  const traces = Array.from({ length: 6 }, (_, i) => analyzeTrace(accountTrace({ traceId: `a${i}`, concurrent: i === 5 })));
  const v = verdict(traces);
  assert.equal(v.culprit?.kind, 'sequential');
  assert.equal(v.culprit?.service, 'gateway');
  assert.equal(v.culprit?.operation, 'GET /accounts/me');
  assert.ok(Math.abs(v.culprit!.share - 22 / 30) < 1e-9, 'the reads are 22 of 30 ms');
  assert.match(
    v.sentence,
    /gateway GET \/accounts\/me calls balance \/balances and then payments \/transactions one after the other in 5 of 6 traces/,
  );
  assert.match(v.sentence, /Promise\.all.*10\.0 ms/);
  // The concurrent version alone is judged on latency.
  assert.equal(verdict([traces[5]!]).culprit?.kind, 'latency');
});

test('the recorded traces: a verdict that names a service and operation of the trace, when one stands out', () => {
  for (const name of ['payment', 'account'] as const) {
    const spans = loadFixture(name);
    const v = verdict([analyzeTrace(spans)], { minShare: 0 });
    assert.equal(v.culprit?.kind, 'latency');
    assert.ok(
      spans.some((s) => s.service === v.culprit!.service && s.name === v.culprit!.operation),
      `${v.culprit!.service} ${v.culprit!.operation}`,
    );
    assert.ok(v.culprit!.share > 0 && v.culprit!.share <= 1);
    assert.ok(v.sentence.length > 40 && v.sentence.endsWith('.'));
  }
  // The quiet payment spreads its time over many steps (the largest, balance's own code, is 18%).
  const quiet = verdictForTrace(analyzeTrace(loadFixture('payment')));
  assert.equal(quiet.culprit, undefined);
  assert.match(quiet.sentence, /^No bottleneck stands out over 1 trace: .* is 18% \(under 20%\)/);
});

test('the waterfall marks the critical path and ends with the verdict, path by service and hop waits', () => {
  const spans = loadFixture('account');
  const lines = renderWaterfall(spans[0]!.traceId, spans, { width: 40 });
  const text = lines.join('\n');
  const analysis = analyzeTrace(spans);
  assert.ok(lines.includes(`verdict: ${verdictForTrace(analysis).sentence}`));
  assert.match(text, /critical path by service: gateway [\d.]+ ms \(\d+%\), payments/);
  assert.match(text, /gateway → balance \/v1\/accounts\/:account_id\/balances +[\d.]+ ms before +[\d.]+ ms after/);
  const balanceRow = lines.find((l) => l.startsWith('balance ') && l.includes('GET /v1/accounts'))!;
  assert.ok(balanceRow.includes('░') && !balanceRow.includes('▓'), 'the concurrent balance read is off the path');
  const paymentsRow = lines.find((l) => l.startsWith('payments') && l.includes('GET /v1/transactions'))!;
  assert.ok(paymentsRow.includes('▓'));
  assert.ok(!text.includes('handler - '), 'plumbing hidden by default');
  assert.ok(renderWaterfall('x', spans, { all: true }).some((l) => l.includes('handler - myAccount')));
});

/** A hold at balance whose four statements each take `roundTripMs`, behind a gateway call. */
function holdTrace(traceId: string, roundTripMs: number): TraceSpan[] {
  const q = (id: string, sql: string, at: number) =>
    span(id, 'srv', 'balance', `pg.query:${sql.split(' ')[0]} paytrace`, 'client', at, at + roundTripMs, { 'db.query.text': sql }, traceId);
  const end = 2 + 4 * roundTripMs + 1;
  return [
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, end + 2, {}, traceId),
    span('call', 'root', 'gateway', 'POST', 'client', 0.5, end + 1, { 'url.full': 'http://balance/v1/holds' }, traceId),
    span('srv', 'call', 'balance', 'POST /v1/holds', 'server', 1, end, {}, traceId),
    q('q1', 'BEGIN', 2),
    q('q2', 'INSERT INTO balance.holds VALUES ($1)', 2 + roundTripMs),
    q('q3', 'UPDATE balance.balances SET balance = balance - $1', 2 + 2 * roundTripMs),
    q('q4', 'COMMIT', 2 + 3 * roundTripMs),
  ];
}

test('database: when even BEGIN and COMMIT are slow, the way to the database is the culprit, not one query', () => {
  const far = verdict([holdTrace('d1', 20), holdTrace('d2', 22)].map(analyzeTrace));
  assert.equal(far.culprit?.kind, 'database');
  assert.equal(far.culprit?.service, 'balance');
  assert.match(far.sentence, /even BEGIN and COMMIT, which do no work/);
  // Close by, the same statements are a small part of the request: judged on latency as usual.
  const near = verdict([holdTrace('n1', 0.2)].map(analyzeTrace));
  assert.notEqual(near.culprit?.kind, 'database');
});

/** A hold whose INSERT waited `lockMs` of its `insertMs` on a lock (the services' wait attributes), or ran without waiting. */
function lockedHoldTrace(traceId: string, insertMs: number, lockMs: number, holder = { pid: 4242, app: 'nightly-batch' }): TraceSpan[] {
  const waitTags =
    lockMs > 0
      ? {
          'paytrace.db.wait.samples': 10,
          'paytrace.db.wait.waited': true,
          'paytrace.db.wait.samples.lock': 9,
          'paytrace.db.wait.samples.cpu': 1,
          'paytrace.db.wait.event': 'Lock:transactionid',
          'paytrace.db.wait.ms': lockMs,
          'paytrace.db.wait.lock_ms': lockMs,
          'paytrace.db.wait.blocker.pid': holder.pid,
          'paytrace.db.wait.blocker.application_name': holder.app,
          'paytrace.db.wait.blocker.state': 'active',
          'paytrace.db.wait.blocker.query': 'BEGIN; SELECT ? FROM balance.balances WHERE account_id = ANY(?) FOR UPDATE; SELECT pg_sleep(?); COMMIT',
        }
      : { 'paytrace.db.wait.samples': 3, 'paytrace.db.wait.waited': false, 'paytrace.db.wait.samples.cpu': 3 };
  const q = (id: string, sql: string, at: number, ms: number, tags = {}) =>
    span(id, 'srv', 'balance', `pg.query:${sql.split(' ')[0]} paytrace`, 'client', at, at + ms, { 'db.query.text': sql, ...tags }, traceId);
  const end = 2 + 0.5 + insertMs + 0.5 + 0.5 + 1;
  return [
    span('root', undefined, 'gateway', 'POST /process-payment', 'server', 0, end + 2, {}, traceId),
    span('call', 'root', 'gateway', 'POST', 'client', 0.5, end + 1, { 'url.full': 'http://balance/v1/holds' }, traceId),
    span('srv', 'call', 'balance', 'POST /v1/holds', 'server', 1, end, {}, traceId),
    q('q1', 'BEGIN', 2, 0.5),
    q('q2', 'INSERT INTO balance.holds VALUES ($1)', 2.5, insertMs, waitTags),
    q('q3', 'UPDATE balance.balances SET balance = balance - $1', 2.5 + insertMs, 0.5),
    q('q4', 'COMMIT', 3 + insertMs, 0.5),
  ];
}

test('lock wait: a query that waited on a lock is named with the lock and its holder, and advice about the holder, not EXPLAIN', () => {
  const v = verdict(Array.from({ length: 10 }, (_, i) => analyzeTrace(lockedHoldTrace(`l${i}`, 60, 50))));
  assert.equal(v.culprit?.kind, 'latency');
  assert.equal(v.culprit?.service, 'balance');
  assert.match(v.culprit!.operation, /^pg\.query:INSERT/);
  assert.equal(v.culprit?.lockWait?.event, 'Lock:transactionid');
  assert.equal(v.culprit?.lockWait?.holder?.applicationName, 'nightly-batch');
  assert.ok(Math.abs(v.culprit!.lockWait!.share - 50 / 60) < 1e-9);
  assert.match(
    v.sentence,
    /^balance's query "INSERT INTO balance\.holds VALUES \(\$1\)" is \d+% of the critical path .*: it waited on a row lock \(Lock:transactionid\) for 83% of its time, held by nightly-batch \(pid 4242, active: "BEGIN; SELECT \? FROM balance\.balances WHERE account_id = ANY\(\?\) FOR UPDATE; SELECT pg_sleep\(\?\); COMMIT"\): find who holds those rows and shorten or move that transaction/,
  );
  assert.doesNotMatch(v.sentence, /EXPLAIN/);
});

test('lock wait: held by many sessions of one application (paytrace waiting on itself), the sentence says how many', () => {
  const v = verdict(
    Array.from({ length: 6 }, (_, i) => analyzeTrace(lockedHoldTrace(`s${i}`, 60, 50, { pid: 100 + (i % 3), app: 'paytrace-balance' }))),
  );
  assert.match(v.sentence, /held by paytrace-balance \(3 sessions, e\.g\. pid 10\d, active: /);
});

test('lock wait: a slow query that did not wait on a lock keeps the EXPLAIN advice', () => {
  const v = verdict(Array.from({ length: 6 }, (_, i) => analyzeTrace(lockedHoldTrace(`n${i}`, 60, 0))));
  assert.match(v.culprit!.operation, /^pg\.query:INSERT/);
  assert.equal(v.culprit?.lockWait, undefined);
  assert.match(v.sentence, /EXPLAIN ANALYZE/);
  // Waiting on a lock for a small part of its time does not make the lock the story either.
  const little = verdict(Array.from({ length: 6 }, (_, i) => analyzeTrace(lockedHoldTrace(`m${i}`, 60, 10))));
  assert.equal(little.culprit?.lockWait, undefined);
  assert.match(little.sentence, /EXPLAIN ANALYZE/);
});

test('lock wait now and then: a small mean share but most of the slow requests, the lock and its holder are named', () => {
  // 3 of 20 payments meet the holder's lock (60 ms, 50 of them waiting); the rest run their INSERT in 0.2 ms.
  const traces = Array.from({ length: 20 }, (_, i) =>
    analyzeTrace(i % 7 === 3 ? lockedHoldTrace(`w${i}`, 60, 50) : lockedHoldTrace(`w${i}`, 0.2, 0)),
  );
  const insert = verdict(traces).operations.find((o) => o.operation.startsWith('pg.query:INSERT'))!;
  assert.ok(insert.mean < 0.2 && insert.p95 > 0.5, `mean ${insert.mean}, p95 ${insert.p95}`);
  assert.ok(verdict(traces).operations.every((o) => o.mean < 0.3));
  // The fixture's handlers take a fixed 2 ms, a quarter of a short payment: the bar is raised past them.
  const v = verdict(traces, { minShare: 0.3 });
  assert.equal(v.culprit?.service, 'balance');
  assert.equal(v.culprit?.lockWait?.holder?.applicationName, 'nightly-batch');
  assert.match(v.sentence, /is \d+% of the critical path on average but \d+% at p95 \(p50 \d+%\) over 20 traces: only some requests meet it/);
  assert.match(v.sentence, /waited on a row lock \(Lock:transactionid\) for 82% of its time, held by nightly-batch \(pid 4242/);
  // Without the lock, the same small share is no bottleneck.
  const plain = Array.from({ length: 20 }, (_, i) => analyzeTrace(lockedHoldTrace(`p${i}`, 0.2, 0)));
  assert.equal(verdict(plain, { minShare: 0.3 }).culprit, undefined);
});
