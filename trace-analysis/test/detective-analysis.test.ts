import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTrace, criticalPath, hopWaits, operationLabel, selfTimes, type PathSegment } from '../src/index.js';
import type { TraceSpan } from '../src/jaeger-client.js';
import { accountTrace, loadFixture, paymentTrace, span } from './fixtures/detective-traces.js';

const T0 = 1_000_000_000;
/** The path as [span id, start ms, end ms] relative to the synthetic traces' origin. */
const shape = (path: PathSegment[]) => path.map((s) => [s.span.spanId, (s.start - T0) / 1000, (s.end - T0) / 1000]);
const rootOf = (spans: TraceSpan[]) => spans.find((s) => !s.parentSpanId)!;

function assertCoversRoot(spans: TraceSpan[]) {
  const root = rootOf(spans);
  const path = criticalPath(spans);
  assert.equal(path[0]!.start, root.startTime, 'starts with the root');
  assert.equal(path.at(-1)!.end, root.startTime + root.duration, 'ends with the root');
  for (let i = 1; i < path.length; i++) assert.equal(path[i]!.start, path[i - 1]!.end, `segment ${i} starts where the one before ends`);
  for (const s of path) assert.ok(s.end > s.start, 'no empty segment');
  assert.equal(
    path.reduce((a, s) => a + s.end - s.start, 0),
    root.duration,
  );
}

test('the critical path of both recorded traces covers the root exactly, without overlap', () => {
  assertCoversRoot(loadFixture('payment'));
  assertCoversRoot(loadFixture('account'));
  assertCoversRoot(accountTrace());
});

test('of two overlapping children only the later-finishing one is on the path', () => {
  const spans = [
    span('root', undefined, 'a', 'GET /', 'server', 0, 100),
    span('early', 'root', 'a', 'early', 'internal', 10, 50),
    span('late', 'root', 'a', 'late', 'internal', 20, 80),
    span('after', 'root', 'a', 'after', 'internal', 85, 95),
  ];
  assert.deepEqual(shape(criticalPath(spans)), [
    ['root', 0, 20],
    ['late', 20, 80],
    ['root', 80, 85],
    ['after', 85, 95],
    ['root', 95, 100],
  ]);
  // In the real GET /accounts/me the gateway reads balance and payments concurrently: payments
  // answered last, so its call is on the path and the balance read is not.
  const account = loadFixture('account');
  const onPath = new Set(criticalPath(account).map((s) => s.span.service));
  assert.ok(onPath.has('payments'));
  assert.ok(!onPath.has('balance'));
});

test('a child ending after its parent (or starting before it) is clipped to the parent', () => {
  const spans = [
    span('root', undefined, 'a', 'GET /', 'server', 0, 100),
    span('parent', 'root', 'a', 'work', 'internal', 10, 60),
    span('async', 'parent', 'a', 'fire and forget', 'internal', 40, 90),
    span('skewed', 'parent', 'b', 'skewed', 'internal', 5, 30),
  ];
  assert.deepEqual(shape(criticalPath(spans)), [
    ['root', 0, 10],
    ['skewed', 10, 30],
    ['parent', 30, 40],
    ['async', 40, 60],
    ['root', 60, 100],
  ]);
});

test('self time: the duration minus the union of the children, clipped to the span', () => {
  const spans = [
    span('root', undefined, 'a', 'GET /', 'server', 0, 100),
    span('x', 'root', 'a', 'x', 'internal', 10, 50),
    span('y', 'root', 'a', 'y', 'internal', 30, 70),
    span('z', 'root', 'a', 'z', 'internal', 90, 130),
  ];
  const self = selfTimes(spans);
  assert.equal(self.get('root'), (100 - 60 - 10) * 1000, '10..70 and 90..100 covered');
  assert.equal(self.get('x'), 40_000);
  const payment = loadFixture('payment');
  const fixtureSelf = selfTimes(payment);
  for (const s of payment) {
    const v = fixtureSelf.get(s.spanId)!;
    assert.ok(v >= 0 && v <= s.duration, `${s.name}: 0 ≤ self ≤ duration`);
  }
});

test('hop waits: every gateway call into another service waits a little before and after', () => {
  const payment = loadFixture('payment');
  const hops = hopWaits(payment);
  assert.deepEqual(
    hops.map((h) => `${h.client.service} → ${h.server.service} ${h.server.name}`),
    [
      'gateway → auth POST /v1/keys/verify',
      'gateway → balance POST /v1/holds',
      'gateway → payments POST /v1/charges',
      'gateway → balance POST /v1/holds/:hold_key/capture',
    ],
  );
  for (const h of hops) {
    assert.ok(h.before >= 0 && h.after >= 0);
    assert.equal(h.before, h.server.startTime - h.client.startTime);
  }
  assert.equal(hopWaits(loadFixture('account')).length, 3);
  // Clock skew: a server "starting" before its caller is a 0 wait, not a negative one.
  const skewed = hopWaits([span('c', undefined, 'a', 'GET', 'client', 10, 20), span('s', 'c', 'b', 'GET /', 'server', 8, 21)]);
  assert.deepEqual(
    skewed.map((h) => [h.before, h.after]),
    [[0, 0]],
  );
});

test("Fastify's plumbing counts for its route; a recorded pool wait keeps its own name", () => {
  const account = analyzeTrace(loadFixture('account'));
  const names = account.onPath.operations.map((o) => o.operation);
  assert.ok(!names.some((n) => n === 'request' || n.startsWith('handler - ')), names.join(', '));
  assert.ok(names.includes('GET /accounts/me'));
  assert.equal(
    account.onPath.operations.reduce((a, o) => a + o.us, 0),
    account.duration,
  );
  assert.ok(Math.abs(account.onPath.services.reduce((a, s) => a + s.share, 0) - 1) < 1e-9);

  const spans = [
    span('root', undefined, 'payments', 'POST /v1/charges', 'server', 0, 100),
    span('hook', 'root', 'payments', 'hook - onRequest', 'internal', 0, 10),
    span('handler', 'root', 'payments', 'handler - chargeCard', 'internal', 10, 100),
    span('wait', 'handler', 'payments', 'wait for stripe connection', 'internal', 20, 60),
    span('stripe', 'handler', 'payments', 'POST', 'client', 60, 90, { 'url.full': 'http://127.0.0.1:12111/v1/charges?x=1' }),
  ];
  const ops = Object.fromEntries(analyzeTrace(spans).onPath.operations.map((o) => [o.target ?? o.operation, o.us / 1000]));
  assert.deepEqual(ops, { 'POST /v1/charges': 30, 'wait for stripe connection': 40, '127.0.0.1:12111/v1/charges': 30 });
});

test("client spans are labelled by what they call: our route, an outside API's host and path, the SQL", () => {
  const payment = loadFixture('payment');
  const stripe = payment.find((s) => s.tags['url.full'] === 'http://127.0.0.1:12111/v1/charges')!;
  assert.equal(operationLabel(stripe, payment), 'payments POST → 127.0.0.1:12111/v1/charges');
  const verify = payment.find((s) => s.service === 'gateway' && s.tags['url.full'] === 'http://127.0.0.1:8081/v1/keys/verify')!;
  assert.equal(operationLabel(verify, payment), 'gateway POST → auth /v1/keys/verify');
  const sql = payment.find((s) => s.name === 'pg.query:INSERT paytrace' && s.service === 'balance')!;
  assert.match(operationLabel(sql, payment), /^balance pg\.query:INSERT paytrace → INSERT INTO balance\.holds \(hold_key, account_id, currency, …$/);
});

test('sequential independent reads: found when awaited one after the other, not when concurrent or dependent', () => {
  const found = analyzeTrace(accountTrace()).sequentialReads!;
  assert.ok(found, 'the synthetic sequential GET /accounts/me');
  assert.equal(found.operation, 'GET /accounts/me');
  assert.equal(found.parent.name, 'handler - myAccount');
  assert.deepEqual(found.targets, ['balance /balances', 'payments /transactions']);
  assert.equal(found.us, 22_000);
  assert.equal(found.savable, 10_000);

  assert.equal(analyzeTrace(loadFixture('account')).sequentialReads, undefined, 'the real gateway reads concurrently');
  assert.equal(analyzeTrace(loadFixture('payment')).sequentialReads, undefined, 'POST steps depend on each other');
  assert.equal(analyzeTrace(accountTrace({ concurrent: true })).sequentialReads, undefined);
  assert.equal(analyzeTrace(accountTrace({ sameService: true })).sequentialReads, undefined, 'two reads of one service');
});

test('a failed trace: failed, and its error origin is the deepest ERROR span', () => {
  const ok = analyzeTrace(paymentTrace());
  assert.equal(ok.failed, false);
  assert.equal(ok.errorOrigin, undefined);
  const failed = analyzeTrace(paymentTrace({ fail: true }));
  assert.equal(failed.failed, true);
  assert.deepEqual(failed.errorOrigin, {
    service: 'payments',
    operation: 'POST',
    target: '127.0.0.1:12111/v1/charges',
    category: 'outside',
    errorType: 'ECONNRESET',
  });
  // A 5xx root with nothing marked ERROR is still a failure, originating at the root.
  const spans = [span('root', undefined, 'gateway', 'GET /', 'server', 0, 10, { 'http.response.status_code': 503 })];
  assert.equal(analyzeTrace(spans).errorOrigin?.operation, 'GET /');
});

test('the root is the span with no parent in the trace; the earliest if several', () => {
  const spans = [
    span('late', undefined, 'a', 'late', 'server', 50, 60),
    span('orphan', 'lost', 'b', 'orphan', 'server', 5, 20),
    span('first', undefined, 'a', 'first', 'server', 0, 40),
  ];
  assert.equal(analyzeTrace(spans).root.spanId, 'first');
  assert.deepEqual(criticalPath([]), []);
  assert.throws(() => analyzeTrace([]), /no spans/);
});
