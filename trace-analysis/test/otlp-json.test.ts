import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toSpans, type JaegerTrace, type TraceSpan } from '../src/jaeger-json.js';
import { hexId, otlpToJaegerTraces, otlpToSpans, otlpToTraces, type OtlpTraces } from '../src/otlp-json.js';

/** One real declined payment (20 spans, 3 of them ERROR, 4 events), as Jaeger 2.13 gave it from /api/v3 and from /api/traces. */
const read = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const v3 = read('payment-declined-trace.v3.json').result as OtlpTraces;
const api = read('payment-declined-trace.api.json').data[0] as JaegerTrace;

const bySpanId = <T extends { spanId: string } | { spanID: string }>(xs: T[]) =>
  [...xs].sort((a, b) => (('spanId' in a ? a.spanId : a.spanID) < ('spanId' in b ? b.spanId : b.spanID) ? -1 : 1));

/** Jaeger numbers processes as it meets them and orders tags and spans its own way; the content is what must match. */
const comparable = (t: JaegerTrace) =>
  bySpanId(t.spans).map(({ processID, warnings: _, ...s }) => ({
    ...s,
    process: t.processes[processID],
    tags: [...s.tags].sort((a, b) => (a.key < b.key ? -1 : 1)),
  }));

test('a real trace from /api/v3 converts to the Jaeger JSON /api/traces gave for it: tags, types, references, logs, processes', () => {
  const [trace, ...more] = otlpToJaegerTraces(v3);
  assert.equal(more.length, 0);
  assert.equal(trace!.traceID, api.traceID);
  assert.equal(trace!.spans.length, 20);
  assert.deepEqual(comparable(trace!), comparable(api));
});

test('…and the analysis reads the same TraceSpans from both: kind, error, otel.status_code, events, resource', () => {
  const fromV3 = bySpanId(otlpToSpans(v3));
  assert.deepEqual(fromV3, bySpanId(toSpans(api)));
  const failed = fromV3.filter((s) => s.tags.error === true);
  assert.deepEqual(failed.map((s) => [s.service, s.name, s.kind, s.tags['otel.status_code']]).sort(), [
    ['balance', 'handler - holdMoney', 'internal', 'ERROR'],
    ['balance', 'request', 'internal', 'ERROR'],
    ['gateway', 'POST', 'client', 'ERROR'],
  ]);
  const root = fromV3.find((s) => !s.parentSpanId)!;
  assert.equal(root.kind, 'server');
  assert.equal(root.tags['http.response.status_code'], 402);
  assert.equal(typeof root.resource!['process.pid'], 'number');
  assert.ok(fromV3.some((s) => s.logs.some((l) => l.event === 'feature_flag.evaluation')));
});

test('OTLP as other writers give it: base64 ids, kinds and status by name, links, events, arrays, Jaeger warnings, no service.name', () => {
  const traceId = '5a076c6229a2e464cecb097a68fb051f';
  const otlp: OtlpTraces = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'vm' } }] },
        scopeSpans: [
          {
            scope: { name: 'reconciler' },
            spans: [
              {
                traceId: Buffer.from(traceId, 'hex').toString('base64'),
                spanId: Buffer.from('00000000000000aa', 'hex').toString('base64'),
                parentSpanId: '',
                name: 'reconcile payment',
                kind: 'SPAN_KIND_INTERNAL',
                startTimeUnixNano: '1796083829024391440',
                endTimeUnixNano: '1796083829032806523',
                status: { code: 'STATUS_CODE_ERROR', message: 'stripe timed out' },
                attributes: [
                  { key: 'attempt', value: { intValue: 2 } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'ids', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '3' }] } } },
                  { key: 'm', value: { kvlistValue: { values: [{ key: 'z', value: { boolValue: true } }, { key: 'a' }] } } },
                  { key: '@jaeger@warnings', value: { arrayValue: { values: [{ stringValue: 'clock skew' }] } } },
                ],
                events: [{ timeUnixNano: '1796083829025000999', name: 'retry', attributes: [{ key: 'after_ms', value: { intValue: '40' } }] }],
                links: [{ traceId: 'a3dc4ec450fab1afbc0d2a9e7c5cb321', spanId: 'e51a1385249fb2f3' }],
              },
            ],
          },
        ],
      },
    ],
  };
  const [trace] = otlpToJaegerTraces(otlp);
  const span = trace!.spans[0]!;
  assert.equal(span.traceID, traceId);
  assert.equal(span.spanID, '00000000000000aa');
  assert.equal(span.startTime, 1796083829024391);
  assert.equal(span.duration, 8415);
  assert.deepEqual(span.warnings, ['clock skew']);
  assert.deepEqual(span.references, [{ refType: 'FOLLOWS_FROM', traceID: 'a3dc4ec450fab1afbc0d2a9e7c5cb321', spanID: 'e51a1385249fb2f3' }]);
  assert.deepEqual(span.logs, [
    {
      timestamp: 1796083829025000,
      fields: [
        { key: 'event', type: 'string', value: 'retry' },
        { key: 'after_ms', type: 'int64', value: 40 },
      ],
    },
  ]);
  assert.deepEqual(trace!.processes, { p1: { serviceName: 'OTLPResourceNoServiceName', tags: [{ key: 'host.name', type: 'string', value: 'vm' }] } });
  const [s] = otlpToSpans(otlp) as [TraceSpan];
  assert.equal(s.parentSpanId, undefined);
  assert.equal(s.kind, 'internal');
  assert.deepEqual(s.tags, {
    'otel.scope.name': 'reconciler',
    attempt: 2,
    ratio: 0.5,
    ids: '["a",3]',
    m: '{"a":null,"z":true}',
    'span.kind': 'internal',
    'otel.status_code': 'ERROR',
    error: true,
    'otel.status_description': 'stripe timed out',
  });
  assert.deepEqual(s.links, [{ traceId: 'a3dc4ec450fab1afbc0d2a9e7c5cb321', spanId: 'e51a1385249fb2f3' }]);
});

test('a link to the parent only retypes the parent reference; a search answer splits into its traces, in order', () => {
  const span = (traceId: string, spanId: string, parentSpanId?: string, links?: Array<{ traceId: string; spanId: string }>) => ({
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    ...(links ? { links } : {}),
    name: spanId,
    startTimeUnixNano: 1000,
    endTimeUnixNano: '2000',
  });
  const t1 = '11111111111111111111111111111111';
  const t2 = '22222222222222222222222222222222';
  const otlp: OtlpTraces = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
        scopeSpans: [{ spans: [span(t2, '000000000000000b')] }],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'auth' } }] },
        scopeSpans: [
          { spans: [span(t1, '000000000000000a'), span(t1, '000000000000000c', '000000000000000a', [{ traceId: t1, spanId: '000000000000000a' }])] },
        ],
      },
    ],
  };
  const traces = otlpToTraces(otlp);
  assert.deepEqual(
    traces.map((t) => t.map((s) => [s.traceId, s.spanId, s.service])),
    [
      [[t2, '000000000000000b', 'gateway']],
      [
        [t1, '000000000000000a', 'auth'],
        [t1, '000000000000000c', 'auth'],
      ],
    ],
  );
  // A link to its own parent is FOLLOWS_FROM: Jaeger shows it so, and the span has no CHILD_OF parent.
  assert.deepEqual(otlpToJaegerTraces(otlp)[1]!.spans[1]!.references, [{ refType: 'FOLLOWS_FROM', traceID: t1, spanID: '000000000000000a' }]);
  assert.equal(traces[1]![1]!.parentSpanId, undefined);
});

test('hexId: hex kept (lower-cased), base64 decoded, anything else refused', () => {
  assert.equal(hexId('5A076C6229A2E464CECB097A68FB051F', 16), '5a076c6229a2e464cecb097a68fb051f');
  assert.equal(hexId('AAAAAAAAAKo=', 8), '00000000000000aa');
  assert.throws(() => hexId('xyz', 8), /not a 8-byte id/);
});
