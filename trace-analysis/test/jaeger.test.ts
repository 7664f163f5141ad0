import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { JaegerClient, toSpans } from '../src/jaeger-client.js';

type JaegerTraceJson = Parameters<typeof toSpans>[0];
const fixture = (name: string): JaegerTraceJson => JSON.parse(readFileSync(new URL(`./fixtures/${name}-trace.jaeger.json`, import.meta.url), 'utf8'));

test('a reconciliation run: its link to the payment (FOLLOWS_FROM, another trace) is a link, not a parent', () => {
  const spans = toSpans(fixture('reconcile'));
  const roots = spans.filter((s) => s.parentSpanId === undefined);
  assert.deepEqual(
    roots.map((s) => s.name),
    ['reconcile payment'],
  );
  assert.deepEqual(roots[0]!.links, [{ traceId: 'a3dc4ec450fab1afbc0d2a9e7c5cb321', spanId: 'e51a1385249fb2f3' }]);
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans.filter((x) => x !== roots[0])) {
    assert.ok(ids.has(s.parentSpanId!), `${s.name}'s parent is in the trace`);
    assert.deepEqual(s.links, []);
  }
});

test('references: the parent is the CHILD_OF inside the trace, wherever it is listed; every other reference is a link', () => {
  const span = (spanID: string, references: JaegerTraceJson['spans'][number]['references']) => ({
    traceID: 't1',
    spanID,
    operationName: spanID,
    references,
    startTime: 1,
    duration: 1,
    tags: [],
    logs: [],
    processID: 'p1',
  });
  const [a, b, c] = toSpans({
    traceID: 't1',
    processes: { p1: { serviceName: 'gateway' } },
    spans: [
      // A root linked to another trace, by FOLLOWS_FROM and (a link marked child_of) CHILD_OF: still a root.
      span('a', [
        { refType: 'FOLLOWS_FROM', traceID: 't0', spanID: 'x' },
        { refType: 'CHILD_OF', traceID: 't0', spanID: 'y' },
      ]),
      // A link listed before the parent.
      span('b', [
        { refType: 'FOLLOWS_FROM', traceID: 't0', spanID: 'x' },
        { refType: 'CHILD_OF', traceID: 't1', spanID: 'a' },
      ]),
      // FOLLOWS_FROM inside the trace is a link too: only CHILD_OF makes a parent.
      span('c', [{ refType: 'FOLLOWS_FROM', traceID: 't1', spanID: 'a' }]),
    ],
  });
  assert.equal(a!.parentSpanId, undefined);
  assert.deepEqual(a!.links, [
    { traceId: 't0', spanId: 'x' },
    { traceId: 't0', spanId: 'y' },
  ]);
  assert.equal(b!.parentSpanId, 'a');
  assert.deepEqual(b!.links, [{ traceId: 't0', spanId: 'x' }]);
  assert.equal(c!.parentSpanId, undefined);
  assert.deepEqual(c!.links, [{ traceId: 't1', spanId: 'a' }]);
});

let server: Server;
let url: string;
const seen: URL[] = [];
let answer: 'ok' | 'empty' | 'refuse' | 'freeze' = 'ok';
const declined = JSON.parse(readFileSync(new URL('./fixtures/payment-declined-trace.v3.json', import.meta.url), 'utf8'));
const sockets = new Set<Socket>();
before(async () => {
  server = createServer((req, res) => {
    seen.push(new URL(req.url!, 'http://jaeger'));
    if (answer === 'freeze') return;
    if (answer === 'refuse') return res.writeHead(500).end('{"data":null}');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = new URL(req.url!, 'http://jaeger').pathname;
    // As Jaeger 2.13 answers: /api/v3 in OTLP JSON (a search or a trace that found nothing is a 404), /api/* in Jaeger's JSON.
    if (path === `/api/v3/traces/${declined.result.resourceSpans[0].scopeSpans[0].spans[0].traceId}`) return json(200, declined);
    if (path.startsWith('/api/v3/traces')) {
      return answer === 'empty' ? json(404, { error: { httpCode: 404, message: 'No traces found' } }) : json(200, declined);
    }
    if (path === '/api/v3/services') return json(200, { services: ['gateway', 'auth'] });
    if (path === '/api/v3/operations') return json(200, { operations: [{ name: 'POST /process-payment', spanKind: 'server' }] });
    json(200, { data: [fixture('reconcile')] });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('searchTraces with tags (which /api/v3 ignores): /api/traces, the tags as JSON, the window in µs and the limit; a refusal or a freeze is an error', async () => {
  const jaeger = new JaegerClient(url, { timeoutMs: 300 });
  answer = 'ok';
  const found = await jaeger.searchTraces({
    service: 'gateway',
    operation: 'reconcile payment',
    tags: { 'paytrace.payment.id': 'pay_1' },
    fromMs: 1_795_618_972_850.748,
    toMs: 1_795_619_100_000,
    limit: 20,
  });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.find((s) => !s.parentSpanId)!.name, 'reconcile payment');
  const q = seen.at(-1)!;
  assert.equal(q.pathname, '/api/traces');
  assert.deepEqual(Object.fromEntries(q.searchParams), {
    service: 'gateway',
    operation: 'reconcile payment',
    tags: '{"paytrace.payment.id":"pay_1"}',
    start: '1795618972850748',
    end: '1795619100000000',
    limit: '20',
  });

  answer = 'refuse';
  await assert.rejects(jaeger.searchTraces({ service: 'gateway', fromMs: 0, toMs: 1 }), /Jaeger answered 500 for a search of gateway/);
  answer = 'freeze';
  await assert.rejects(jaeger.searchTraces({ service: 'gateway', fromMs: 0, toMs: 1 }), { name: 'TimeoutError' });
});

test('searchTraces without tags: /api/v3 with the window in RFC 3339 (µs), num_traces and durations; nothing found (a 404) is no traces', async () => {
  const jaeger = new JaegerClient(url, { timeoutMs: 300 });
  answer = 'ok';
  const found = await jaeger.searchTraces({
    service: 'gateway',
    operation: 'POST /process-payment',
    fromMs: 1_795_618_972_850.748,
    toMs: 1_795_619_100_000,
    limit: 20,
    minDurationMs: 5,
    maxDurationMs: 900,
  });
  assert.deepEqual(
    found.map((t) => t.length),
    [20],
  );
  const q = seen.at(-1)!;
  assert.equal(q.pathname, '/api/v3/traces');
  assert.deepEqual(Object.fromEntries(q.searchParams), {
    'query.service_name': 'gateway',
    'query.operation_name': 'POST /process-payment',
    'query.start_time_min': '2026-11-25T15:02:52.850748Z',
    'query.start_time_max': '2026-11-25T15:05:00.000000Z',
    'query.num_traces': '20',
    'query.duration_min': '5ms',
    'query.duration_max': '900ms',
  });
  answer = 'empty';
  assert.deepEqual(await jaeger.searchTraces({ service: 'gateway', fromMs: 0, toMs: 1 }), []);
  answer = 'refuse';
  await assert.rejects(jaeger.searchTraces({ service: 'gateway', fromMs: 0, toMs: 1 }), /Jaeger answered 500 for a search of gateway/);
});

test('getTrace, services and operations read /api/v3; an unknown trace is undefined', async () => {
  const jaeger = new JaegerClient(url, { timeoutMs: 300 });
  answer = 'empty';
  const traceId = declined.result.resourceSpans[0].scopeSpans[0].spans[0].traceId as string;
  const spans = await jaeger.getTrace(traceId);
  assert.equal(spans?.length, 20);
  assert.equal(seen.at(-1)!.pathname, `/api/v3/traces/${traceId}`);
  assert.equal(await jaeger.getTrace('0123456789abcdef0123456789abcdef'), undefined);
  answer = 'ok';
  assert.deepEqual(await jaeger.services(), ['gateway', 'auth']);
  assert.deepEqual(await jaeger.operations('gateway'), [{ name: 'POST /process-payment', spanKind: 'server' }]);
  assert.equal(seen.at(-1)!.search, '?service=gateway');
});
