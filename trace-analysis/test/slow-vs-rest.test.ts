import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differenceInterval, slowVsRest, traceFeatures, wilsonInterval, type ContrastRow } from '../src/index.js';
import { loadFixture, span } from './fixtures/detective-traces.js';
import type { TraceSpan } from '../src/jaeger-client.js';

/**
 * A payment's trace, small: the gateway's SERVER span (with its account and a unique payment id),
 * balance's hold and its debit. `ms` is the request's duration.
 */
function payment(i: number, account: string, ms: number, extra: { poolWait?: boolean; flagVariant?: string } = {}): TraceSpan[] {
  const traceId = `t${i}`;
  const root = span(
    'root',
    undefined,
    'gateway',
    'POST /process-payment',
    'server',
    0,
    ms,
    {
      'paytrace.account.id': account,
      'paytrace.payment.id': `pay_${i}`,
      'url.full': `http://127.0.0.1:8080/process-payment?n=${i}`,
      'client.port': 40_000 + i,
      'http.response.status_code': 201,
    },
    traceId,
  );
  root.resource = { 'process.pid': 4242, 'service.version': '0.1.0' };
  if (extra.flagVariant) {
    root.logs = [{ event: 'feature_flag.evaluation', 'feature_flag.key': 'some-flag', 'feature_flag.result.variant': extra.flagVariant }];
  }
  const spans = [
    root,
    span('hold', 'root', 'balance', 'POST /v1/holds', 'server', 1, ms - 1, { 'http.route': '/v1/holds' }, traceId),
    span(
      'debit',
      'hold',
      'balance',
      'pg.query:UPDATE',
      'client',
      2,
      ms - 2,
      { 'db.query.text': 'UPDATE balance.balances SET …', 'db.system.name': 'postgresql' },
      traceId,
    ),
  ];
  if (extra.poolWait) {
    spans.push(span('wait', 'root', 'gateway', 'wait for balance connection', 'internal', 0.5, 1, { 'paytrace.pool.name': 'balance' }, traceId));
  }
  return spans;
}

const find = (rows: ContrastRow[], key: string, value: string) => rows.find((r) => r.key === key && r.value === value);

test('the account every slow trace shares is ranked first, with its counts', () => {
  // 100 payments over 10 accounts, 30–60 ms; the hot account's 10 take 200 ms and more.
  const traces = Array.from({ length: 100 }, (_, i) =>
    i % 10 === 0 ? payment(i, 'acct_hot', 200 + i) : payment(i, `acct_${i % 10}`, 30 + (i % 30)),
  );
  const result = slowVsRest(traces);
  assert.equal(result.slowTotal + result.restTotal, 100);
  assert.ok('aboveMs' in result.slow && result.slow.quantile === 0.9);
  assert.equal(result.slowTotal, 10, 'above the p90: the slowest tenth');
  const top = result.rows[0]!;
  assert.deepEqual(
    { key: top.key, value: top.value, slowCount: top.slowCount, restCount: top.restCount },
    { key: 'gateway paytrace.account.id', value: 'acct_hot', slowCount: 10, restCount: 0 },
  );
  assert.equal(top.difference, 1);
  assert.ok(top.interval[0] > 0.6 && top.interval[1] === 1, `interval ${top.interval.join('..')}`);
  // What every trace carries (one process, one version) cannot tell them apart: not a row.
  assert.equal(find(result.rows, 'gateway process.pid', '4242'), undefined);
  const ordinary = find(result.rows, 'gateway paytrace.account.id', 'acct_1')!;
  assert.ok(ordinary.difference < 0, 'an ordinary account is less common among the slow');
});

test('ids, unique paths and ephemeral ports are not features; a value one trace carries is dropped', () => {
  const features = traceFeatures(payment(7, 'acct_1', 40));
  const keys = new Set(features.map((f) => f.key));
  for (const key of ['gateway paytrace.payment.id', 'gateway url.full', 'gateway client.port', 'balance db.query.text', 'gateway span.kind']) {
    assert.ok(!keys.has(key), `${key} is left out`);
  }
  assert.ok(keys.has('gateway paytrace.account.id'));
  assert.ok(features.some((f) => f.kind === 'operation' && f.value === 'balance pg.query:UPDATE → UPDATE balance.balances SET …'));

  // An account seen once (slow) is not a row, however slow.
  const traces = [...Array.from({ length: 20 }, (_, i) => payment(i, 'acct_1', 30)), payment(99, 'acct_once', 500)];
  const rows = slowVsRest(traces, { slow: { aboveMs: 100 } }).rows;
  assert.equal(find(rows, 'gateway paytrace.account.id', 'acct_once'), undefined);
  assert.ok(find(rows, 'gateway paytrace.account.id', 'acct_1'));
});

test("a query's wait attributes are not features: recorded only past a duration threshold, they are its slowness again", () => {
  const waited = (i: number, ms: number) => {
    const spans = payment(i, `acct_${i % 5}`, ms);
    const debit = spans.find((s) => s.name === 'pg.query:UPDATE')!;
    debit.tags = {
      ...debit.tags,
      'paytrace.db.wait.waited': true,
      'paytrace.db.wait.samples': Math.round(ms / 5),
      'paytrace.db.wait.samples.lock': Math.round(ms / 5),
      'paytrace.db.wait.ms': ms - 5,
      'paytrace.db.wait.lock_ms': ms - 5,
      'paytrace.db.wait.event': 'Lock:transactionid',
      'paytrace.db.wait.blocker.application_name': 'nightly-batch',
      'paytrace.db.wait.blocker.pid': 1000 + i,
    };
    return spans;
  };
  const traces = [
    ...Array.from({ length: 10 }, (_, i) => waited(i, 200)),
    ...Array.from({ length: 90 }, (_, i) => payment(100 + i, `acct_${i % 5}`, 20)),
  ];
  const keys = new Set(slowVsRest(traces, { slow: { aboveMs: 100 } }).rows.map((r) => r.key));
  assert.deepEqual(
    [...keys].filter((k) => k.includes('paytrace.db.wait.')),
    [],
  );
  // The slow traces' own attributes still rank (here: nothing but their accounts and operations).
  assert.ok([...keys].some((k) => k === 'gateway paytrace.account.id'));
});

test('small counts do not win: 2 of 2 ranks below 30 of 40, by the lower bound of the interval', () => {
  // acct_few: 2 slow traces, no fast ones. acct_many: 30 of the 40 other slow traces, 10 of 400 fast ones.
  const traces: TraceSpan[][] = [];
  let i = 0;
  for (let k = 0; k < 2; k++) traces.push(payment(i++, 'acct_few', 300));
  for (let k = 0; k < 30; k++) traces.push(payment(i++, 'acct_many', 300));
  for (let k = 0; k < 10; k++) traces.push(payment(i++, 'acct_other', 300));
  for (let k = 0; k < 10; k++) traces.push(payment(i++, 'acct_many', 30));
  for (let k = 0; k < 390; k++) traces.push(payment(i++, `acct_${k % 20}`, 30));
  const { rows, slowTotal } = slowVsRest(traces, { slow: { aboveMs: 100 } });
  assert.equal(slowTotal, 42);
  const few = find(rows, 'gateway paytrace.account.id', 'acct_few')!;
  const many = find(rows, 'gateway paytrace.account.id', 'acct_many')!;
  assert.ok(few.restShare === 0 && few.slowShare < many.slowShare);
  assert.ok(rows.indexOf(many) < rows.indexOf(few), 'the well-supported difference ranks first');
  assert.ok(few.interval[0] < many.interval[0]);
});

test('a brushed range: slow is what lies inside it, the rest everything else', () => {
  const traces = [
    ...Array.from({ length: 20 }, (_, i) => payment(i, 'acct_a', 30, { flagVariant: 'off' })),
    ...Array.from({ length: 10 }, (_, i) => payment(100 + i, 'acct_b', 120, { poolWait: true, flagVariant: 'on' })),
    ...Array.from({ length: 10 }, (_, i) => payment(200 + i, 'acct_c', 400, { flagVariant: 'off' })),
  ];
  const result = slowVsRest(traces, { slow: { fromMs: 100, toMs: 200 } });
  assert.deepEqual(result.slow, { fromMs: 100, toMs: 200 });
  assert.equal(result.slowTotal, 10);
  assert.equal(result.restTotal, 30);
  const top3 = result.rows.slice(0, 3).map((r) => `${r.kind} ${r.key} = ${r.value}`);
  assert.deepEqual(
    new Set(top3),
    new Set(['attribute gateway paytrace.account.id = acct_b', 'pool waited for a connection = gateway balance', 'flag some-flag = on']),
  );
  const pool = find(result.rows, 'waited for a connection', 'gateway balance')!;
  assert.equal(pool.kind, 'pool');
  assert.equal(pool.slowCount, 10);
});

test("Wilson's and Newcombe's intervals: published values, and the edges", () => {
  // Newcombe (1998), Table II, example (a): 56/70 − 48/80 → hybrid score interval 0.0524 to 0.3339.
  const [lo, hi] = differenceInterval(56, 70, 48, 80);
  assert.ok(Math.abs(lo - 0.0524) < 5e-4 && Math.abs(hi - 0.3339) < 5e-4, `${lo} .. ${hi}`);
  // Example (e): 10/10 − 0/10 → 0.6075 to 1.
  const [lo2, hi2] = differenceInterval(10, 10, 0, 10);
  assert.ok(Math.abs(lo2 - 0.6075) < 5e-4 && Math.abs(hi2 - 1) < 1e-9, `${lo2} .. ${hi2}`);
  // Wilson for 0/10 is [0, 0.2775] (Newcombe 1998, the single-proportion paper, Table I).
  const [wl, wh] = wilsonInterval(0, 10);
  assert.equal(wl, 0);
  assert.ok(Math.abs(wh - 0.2775) < 5e-4);
  assert.deepEqual(wilsonInterval(0, 0), [0, 1], 'no observations: anything');
});

test('a recorded payment trace: resource attributes per service, its account-free attributes, no ids', () => {
  const features = traceFeatures(loadFixture('payment'));
  assert.ok(features.some((f) => f.kind === 'resource' && f.key === 'balance process.runtime.name' && f.value === 'nodejs'));
  assert.ok(features.some((f) => f.kind === 'attribute' && f.key === 'gateway paytrace.payment.currency' && f.value === 'usd'));
  assert.ok(!features.some((f) => /pay_[0-9a-f]{32}/.test(f.value)), 'no payment id, in any attribute');
});

test('a numeric attribute with many values is counted by order of magnitude; an exact value sharing its traces ranks first', () => {
  // Each trace carries a count of its own: 1…80 for the quick ones, 1000… for the slow twenty.
  const traces = Array.from({ length: 100 }, (_, i) => {
    const slow = i >= 80;
    const spans = payment(i, `acct_${i % 20}`, slow ? 300 : 30);
    spans[1]!.tags['paytrace.account.holds_last_day'] = slow ? 1000 + i : i + 1;
    if (i % 3 === 0) spans[0]!.tags['http.response.status_code'] = 402;
    return spans;
  });
  const { rows } = slowVsRest(traces, { slow: { aboveMs: 100 } });
  const counts = rows.filter((r) => r.key === 'balance paytrace.account.holds_last_day');
  assert.deepEqual(counts.map((r) => r.value).sort(), ['≥1 <10', '≥10 <100', '≥1000 <10000']);
  assert.deepEqual(
    { value: rows[0]!.value, range: rows[0]!.range, slowCount: rows[0]!.slowCount, restCount: rows[0]!.restCount },
    { value: '≥1000 <10000', range: true, slowCount: 20, restCount: 0 },
  );
  // Few distinct values (a status code, a flag) stay value by value.
  assert.ok(find(rows, 'gateway http.response.status_code', '402'));
  // numericRanges false: value by value, and each value (one trace) is left out.
  assert.equal(slowVsRest(traces, { slow: { aboveMs: 100 }, numericRanges: false }).rows.filter((r) => r.key.endsWith('holds_last_day')).length, 0);

  // The slow twenty all from one account too: the same traces, and the exact value comes first.
  for (const spans of traces.slice(80)) spans[0]!.tags['paytrace.account.id'] = 'acct_hot';
  const tied = slowVsRest(traces, { slow: { aboveMs: 100 } }).rows;
  assert.deepEqual(
    tied.slice(0, 2).map((r) => r.value),
    ['acct_hot', '≥1000 <10000'],
  );
  assert.deepEqual(tied[0]!.interval, tied[1]!.interval);
});
