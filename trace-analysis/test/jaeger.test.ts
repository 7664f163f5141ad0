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
let answer: 'ok' | 'refuse' | 'freeze' = 'ok';
const sockets = new Set<Socket>();
before(async () => {
  server = createServer((req, res) => {
    seen.push(new URL(req.url!, 'http://jaeger'));
    if (answer === 'freeze') return;
    if (answer === 'refuse') return res.writeHead(500).end('{"data":null}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [fixture('reconcile')] }));
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

test('searchTraces: service, operation, the tags as JSON, the window in µs and the limit; a refusal or a freeze is an error', async () => {
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
