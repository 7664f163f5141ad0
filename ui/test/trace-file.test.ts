import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { otlpToSpans, toSpans, type JaegerTrace } from '@paytrace/trace-analysis';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { TRACE_FILE_LIMIT_BYTES } from '../src/views/trace-file-page.js';
import { closedPortUrl } from './support/closed-port.js';
import { FakeJaeger, type JaegerTraceJson } from './support/fake-jaeger.js';

/** A payment's trace recorded from the real stack (32 spans), served by the fake Jaeger from /api/v3 as OTLP JSON. */
const RECORDED = JSON.parse(
  readFileSync(new URL('../../trace-analysis/test/fixtures/payment-trace.jaeger.json', import.meta.url), 'utf8'),
) as JaegerTraceJson;
const TRACE_ID = RECORDED.traceID;

/** The Gantt's rows as the page draws them: each row's span id and label, in order. */
const ganttRows = (html: string) => [...html.matchAll(/<g class="row[^"]*"[^>]*data-span-id="([0-9a-f]{16})"/g)].map((m) => m[1]);

/** A multipart form with one file, as the browser sends /trace-file's form. */
async function upload(app: FastifyInstance, name: string, content: string | Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  form.append('trace', new Blob([content], { type: 'application/json' }), name);
  const request = new Request('http://ui/trace-file', { method: 'POST', body: form });
  return app.inject({
    method: 'POST',
    url: '/trace-file',
    headers: { 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

const jaeger = new FakeJaeger();
let app: FastifyInstance;
let offline: FastifyInstance;
before(async () => {
  await jaeger.start();
  jaeger.reset(RECORDED);
  app = await buildApp({ jaeger: { url: jaeger.url } });
  // The UI with no Jaeger at all: a trace file must still open.
  offline = await buildApp({ jaeger: { url: await closedPortUrl(), timeoutMs: 500 } });
});
after(async () => {
  await app.close();
  await offline.close();
  await jaeger.stop();
});

test('/trace/<id>/otlp.json and /jaeger.json: attachments, the trace as /api/v3 gives it and as /api/traces would; the page links both', async () => {
  const otlp = await app.inject(`/trace/${TRACE_ID}/otlp.json`);
  assert.equal(otlp.statusCode, 200);
  assert.match(otlp.headers['content-type'] as string, /^application\/json/);
  assert.equal(otlp.headers['content-disposition'], `attachment; filename="trace-${TRACE_ID}.otlp.json"`);
  const otlpSpans = otlpToSpans(otlp.json());
  assert.equal(otlpSpans.length, 32);

  const jaegerJson = await app.inject(`/trace/${TRACE_ID}/jaeger.json`);
  assert.equal(jaegerJson.statusCode, 200);
  assert.equal(jaegerJson.headers['content-disposition'], `attachment; filename="trace-${TRACE_ID}.jaeger.json"`);
  const body = jaegerJson.json() as { data: JaegerTrace[]; errors: null };
  assert.equal(body.data.length, 1);
  assert.equal(body.errors, null);
  assert.deepEqual(toSpans(body.data[0]!), otlpSpans);
  // The recorded trace's content survives the round trip through /api/v3 (Jaeger JSON → OTLP → Jaeger JSON).
  const names = (spans: { spanId: string; name: string; service: string; startTime: number; duration: number }[]) =>
    spans.map((s) => [s.spanId, s.name, s.service, s.startTime, s.duration]).sort();
  assert.deepEqual(names(otlpSpans), names(toSpans(RECORDED as JaegerTrace)));

  const page = await app.inject(`/trace/${TRACE_ID}`);
  assert.match(page.body, new RegExp(`<a href="/trace/${TRACE_ID}/otlp.json" id="download-otlp" download`));
  assert.match(page.body, new RegExp(`<a href="/trace/${TRACE_ID}/jaeger.json" id="download-jaeger" download`));

  assert.equal((await app.inject(`/trace/${'0'.repeat(31)}1/otlp.json`)).statusCode, 404);
  assert.equal((await app.inject('/trace/nothex/jaeger.json')).statusCode, 404);
  assert.equal((await offline.inject(`/trace/${TRACE_ID}/otlp.json`)).statusCode, 503, 'Jaeger down: its error page');
});

test('POST /trace-file: either download opens as the same trace page, with no Jaeger, and says what needs Jaeger', async () => {
  const live = await app.inject(`/trace/${TRACE_ID}`);
  const liveRows = ganttRows(live.body);
  assert.equal(liveRows.length > 5, true);
  const searchesBefore = jaeger.searches.length;
  for (const [name, url] of [
    ['trace.otlp.json', `/trace/${TRACE_ID}/otlp.json`],
    ['trace.jaeger.json', `/trace/${TRACE_ID}/jaeger.json`],
  ] as const) {
    const file = (await app.inject(url)).body;
    const res = await upload(offline, name, file);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(ganttRows(res.body), liveRows, `${name}: the same Gantt rows as the live page`);
    assert.match(res.body, new RegExp(`from the file <code id="trace-file-name">${name.replace(/\./g, '\\.')}</code>`));
    assert.match(res.body, /not available for a trace opened from a file/);
    assert.doesNotMatch(res.body, /id="compare-link"|id="rank-note"|id="download-otlp"|href="\?all=1"/);
    assert.match(res.body, /Fastify's plumbing hidden \(32 spans in the file\)/);
    assert.match(res.body, /<section class="verdict" id="verdict">/);
  }
  assert.equal(jaeger.searches.length, searchesBefore, 'opening a file searched nothing');
});

test('POST /trace-file: a bad file is a 400 that says why; more than 20 MB is a 413; not a form is a 400; GET shows the form', async () => {
  const notJson = await upload(offline, 'notes.txt', 'hello');
  assert.equal(notJson.statusCode, 400);
  assert.match(notJson.body, /notes\.txt: The file is not JSON/);
  const wrongShape = await upload(offline, 'x.json', '{"traces": []}');
  assert.equal(wrongShape.statusCode, 400);
  assert.match(wrongShape.body, /neither OTLP JSON .* nor Jaeger JSON/);

  const big = await upload(offline, 'big.json', new Uint8Array(TRACE_FILE_LIMIT_BYTES + 1).fill(0x20));
  assert.equal(big.statusCode, 413);
  assert.match(big.body, /at most 20 MB/);

  const plain = await offline.inject({ method: 'POST', url: '/trace-file', headers: { 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(plain.statusCode, 400);
  assert.match(plain.body, /multipart\/form-data/);

  const page = await offline.inject('/trace-file');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<form method="post" action="\/trace-file" enctype="multipart\/form-data" id="trace-file-form">/);
  assert.match(page.body, /<input type="file" name="trace"/);
});
