import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTraceFile, TraceFileError } from '../src/trace-file.js';
import { toSpans } from '../src/jaeger-json.js';

/** One real declined payment as Jaeger 2.13 gave it from /api/v3 (OTLP JSON) and from /api/traces (Jaeger JSON). */
const text = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const V3 = text('payment-declined-trace.v3.json');
const API = text('payment-declined-trace.api.json');
const expected = toSpans(JSON.parse(API).data[0]);
const sorted = <T extends { spanId: string }>(xs: T[]) => [...xs].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));

test('either format, in each shape it is shared in, reads as the same spans', () => {
  const otlp = JSON.parse(V3).result;
  const jaegerTrace = JSON.parse(API).data[0];
  const shapes: Array<[string, string, 'otlp' | 'jaeger']> = [
    ["/api/v3's answer", V3, 'otlp'],
    ['OTLP JSON', JSON.stringify(otlp), 'otlp'],
    // The Collector's file exporter: one TracesData per line, a trace's spans spread over lines.
    ['OTLP JSON lines', otlp.resourceSpans.map((rs: unknown) => JSON.stringify({ resourceSpans: [rs] })).join('\n'), 'otlp'],
    ["/api/traces's answer", API, 'jaeger'],
    ['a bare Jaeger trace', JSON.stringify(jaegerTrace), 'jaeger'],
  ];
  for (const [what, content, format] of shapes) {
    const file = parseTraceFile(content);
    assert.equal(file.format, format, what);
    assert.deepEqual(sorted(file.spans), sorted(expected), what);
  }
});

test('a file that is not one trace is refused with a reason', () => {
  const refused = (content: string, reason: RegExp) =>
    assert.throws(
      () => parseTraceFile(content),
      (err) => err instanceof TraceFileError && reason.test(err.message),
    );
  refused('hello', /The file is not JSON/);
  refused('{"a":1}\nnope', /Line 2 of the file is not JSON/);
  refused('[1,2]', /neither OTLP JSON .* nor Jaeger JSON/);
  refused('{"resourceSpans": []}', /holds no spans/);
  const api = JSON.parse(API);
  refused(JSON.stringify({ data: [api.data[0], api.data[0]] }), /holds 2 Jaeger traces/);
  refused(JSON.stringify({ data: [{ ...api.data[0], processes: {} }] }), /names a process \(p\d+\) the trace does not list/);
  const v3 = JSON.parse(V3);
  v3.result.resourceSpans[0].scopeSpans[0].spans[0].spanId = 'zz';
  refused(JSON.stringify(v3), /not a 8-byte id|no valid trace id or span id/);
  const two = JSON.parse(V3);
  two.result.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'f'.repeat(32);
  refused(JSON.stringify(two), /spans of 2 traces/);
  const noTime = JSON.parse(V3);
  delete noTime.result.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano;
  noTime.result.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano = 'soon';
  refused(JSON.stringify(noTime), /not a trace this can read|no start time/);
});
