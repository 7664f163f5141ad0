import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
  type Context,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { EdgePropagator, edgePropagatorFromEnv, LinkUntrustedParent } from '../src/edge-propagator.js';

/**
 * The public edge (the gateway) takes no caller's word for the trace: a client's `traceparent`
 * becomes a LINK on a new root span, never its parent. Behind the edge, internal hops use plain
 * W3C propagation and keep their parent. Wired as startSdk wires it (the clock and OTLP aside):
 * EdgePropagator for extraction, LinkUntrustedParent before the exporting processor; the default
 * sampler (parent-based, always on).
 */
const CLIENT_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN_ID = 'b7ad6b7169203331';
const clientHeaders = (flags = '01') => ({
  traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-${flags}`,
  tracestate: 'vendor=opaque',
  baggage: 'user.id=attacker,plan=gold',
});

const standard = () => new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

const exporter = new InMemorySpanExporter();
const edgeProvider = new BasicTracerProvider({ spanProcessors: [new LinkUntrustedParent(), new SimpleSpanProcessor(exporter)] });
const internalProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const edgeTracer = edgeProvider.getTracer('edge-test');
const internalTracer = internalProvider.getTracer('internal-test');
const edge = new EdgePropagator(standard());

afterEach(() => exporter.reset());

/** What the http instrumentation does for an incoming request: extract, then start the SERVER span. */
function serverSpan(tracer: typeof edgeTracer, propagator: TextMapPropagator, headers: Record<string, string>) {
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return { ctx, span: tracer.startSpan('POST /v1/payments', { kind: SpanKind.SERVER }, ctx) };
}

const finished = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  assert.ok(span, `span ${name} was exported`);
  return span;
};

describe('at the edge: a client traceparent is a link, not the parent', () => {
  test('the SERVER span is a new root in a new trace, linked to the caller', () => {
    const { span } = serverSpan(edgeTracer, edge, clientHeaders());
    span.end();
    const exported = finished('POST /v1/payments');
    assert.equal(exported.parentSpanContext, undefined, 'no parent: a root span');
    assert.notEqual(exported.spanContext().traceId, CLIENT_TRACE_ID, 'a trace of our own');
    assert.equal(exported.links.length, 1);
    const [link] = exported.links;
    assert.equal(link!.context.traceId, CLIENT_TRACE_ID);
    assert.equal(link!.context.spanId, CLIENT_SPAN_ID);
    assert.equal(link!.context.isRemote, true);
    assert.deepEqual(link!.attributes, { 'paytrace.link.reason': 'untrusted_inbound_traceparent' });
  });

  test('the plain W3C propagator, by contrast, would make the caller the parent (the control)', () => {
    const { span } = serverSpan(edgeTracer, standard(), clientHeaders());
    span.end();
    const exported = finished('POST /v1/payments');
    assert.equal(exported.spanContext().traceId, CLIENT_TRACE_ID);
    assert.equal(exported.parentSpanContext?.spanId, CLIENT_SPAN_ID);
    assert.equal(exported.links.length, 0, 'no untrusted context: no link');
  });

  test('the caller cannot switch our sampling off: sampled flag 00 still records at the edge', () => {
    const { span } = serverSpan(edgeTracer, edge, clientHeaders('00'));
    assert.equal(span.isRecording(), true);
    assert.equal(span.spanContext().traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
    span.end();
    assert.equal(finished('POST /v1/payments').links[0]!.context.traceFlags, TraceFlags.NONE, 'the link keeps the caller’s flags');
    // The control: with plain W3C the caller's 00 decides, and nothing is recorded.
    const trusted = serverSpan(edgeTracer, standard(), clientHeaders('00')).span;
    assert.equal(trusted.isRecording(), false);
  });

  test("the caller's baggage and tracestate are dropped", () => {
    const { ctx } = serverSpan(edgeTracer, edge, clientHeaders());
    assert.equal(propagation.getBaggage(ctx), undefined);
    assert.equal(trace.getSpanContext(ctx), undefined, 'no span context in the extracted context');
    const trusted = standard().extract(ROOT_CONTEXT, clientHeaders(), defaultTextMapGetter);
    assert.equal(propagation.getBaggage(trusted)?.getEntry('user.id')?.value, 'attacker', 'the control carries it');
  });

  test('only the root gets the link; its children are ordinary children', () => {
    const { ctx, span: root } = serverSpan(edgeTracer, edge, clientHeaders());
    const handlerCtx: Context = trace.setSpan(ctx, root);
    const child = edgeTracer.startSpan('handler', {}, handlerCtx);
    const grandchild = edgeTracer.startSpan('pg.query', { kind: SpanKind.CLIENT }, trace.setSpan(handlerCtx, child));
    grandchild.end();
    child.end();
    root.end();
    const rootId = root.spanContext().spanId;
    assert.equal(finished('handler').parentSpanContext?.spanId, rootId);
    assert.equal(finished('handler').links.length, 0);
    assert.equal(finished('pg.query').parentSpanContext?.spanId, child.spanContext().spanId);
    assert.equal(finished('pg.query').links.length, 0);
    assert.equal(finished('pg.query').spanContext().traceId, root.spanContext().traceId);
  });

  test('no traceparent, or a malformed one: a plain root without links', () => {
    const cases: Record<string, string>[] = [{}, { traceparent: 'garbage' }, { traceparent: `00-${'0'.repeat(32)}-${CLIENT_SPAN_ID}-01` }];
    for (const headers of cases) {
      exporter.reset();
      const { span } = serverSpan(edgeTracer, edge, headers);
      span.end();
      const exported = finished('POST /v1/payments');
      assert.equal(exported.parentSpanContext, undefined, JSON.stringify(headers));
      assert.equal(exported.links.length, 0, JSON.stringify(headers));
    }
  });

  test('fields() are the inner propagator’s', () => {
    assert.deepEqual(edge.fields().sort(), ['baggage', 'traceparent', 'tracestate']);
  });
});

describe('internal hops keep their parent', () => {
  test('the edge injects its own context; the next service is its child in the same trace', () => {
    const { ctx, span: root } = serverSpan(edgeTracer, edge, clientHeaders());
    const call = edgeTracer.startSpan('POST balance/holds', { kind: SpanKind.CLIENT }, trace.setSpan(ctx, root));
    const outgoing: Record<string, string> = {};
    edge.inject(trace.setSpan(ctx, call), outgoing, defaultTextMapSetter);
    assert.equal(outgoing.traceparent, `00-${root.spanContext().traceId}-${call.spanContext().spanId}-01`);
    assert.doesNotMatch(JSON.stringify(outgoing), new RegExp(CLIENT_TRACE_ID), "the caller's trace id goes no further");
    assert.equal(outgoing.baggage, undefined, "the caller's baggage goes no further");

    // The balance service (not an edge) extracts with plain W3C propagation.
    const { span: inner } = serverSpan(internalTracer, standard(), outgoing);
    inner.end();
    call.end();
    root.end();
    const exported = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === inner.spanContext().spanId)!;
    assert.equal(exported.spanContext().traceId, root.spanContext().traceId);
    assert.equal(exported.parentSpanContext?.spanId, call.spanContext().spanId);
    assert.equal(exported.parentSpanContext?.isRemote, true);
    assert.equal(exported.links.length, 0);
  });

  test('LinkUntrustedParent adds nothing when the context is trusted (an internal service with the processor)', () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new LinkUntrustedParent(), new SimpleSpanProcessor(exporter)] });
    const { span } = serverSpan(provider.getTracer('t'), standard(), clientHeaders());
    span.end();
    const exported = finished('POST /v1/payments');
    assert.equal(exported.parentSpanContext?.spanId, CLIENT_SPAN_ID);
    assert.equal(exported.links.length, 0);
  });
});

describe('edgePropagatorFromEnv: whatever OTEL_PROPAGATORS says, the edge takes no caller’s context as parent', () => {
  const B3_TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
  const B3_SPAN_ID = 'e457b5a2e4d86bd1';
  const forged: Record<string, Record<string, string>> = {
    tracecontext: { traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` },
    b3: { b3: `${B3_TRACE_ID}-${B3_SPAN_ID}-1` },
    b3multi: { 'x-b3-traceid': B3_TRACE_ID, 'x-b3-spanid': B3_SPAN_ID, 'x-b3-sampled': '1' },
    jaeger: { 'uber-trace-id': `${B3_TRACE_ID}:${B3_SPAN_ID}:0:1`, 'uberctx-user': 'attacker' },
  };
  const cases: { env: string | undefined; headers: string; traceId: string }[] = [
    { env: undefined, headers: 'tracecontext', traceId: CLIENT_TRACE_ID },
    { env: '', headers: 'tracecontext', traceId: CLIENT_TRACE_ID },
    { env: 'tracecontext,baggage', headers: 'tracecontext', traceId: CLIENT_TRACE_ID },
    { env: 'tracecontext', headers: 'tracecontext', traceId: CLIENT_TRACE_ID },
    { env: 'tracecontext,baggage,b3', headers: 'b3', traceId: B3_TRACE_ID },
    { env: 'b3multi', headers: 'b3multi', traceId: B3_TRACE_ID },
    { env: ' jaeger , baggage ', headers: 'jaeger', traceId: B3_TRACE_ID },
  ];
  for (const { env, headers, traceId } of cases) {
    test(`OTEL_PROPAGATORS=${JSON.stringify(env)}, a forged sampled ${headers} context: a new trace linked to it`, () => {
      const propagator = edgePropagatorFromEnv({ OTEL_PROPAGATORS: env });
      assert.ok(propagator instanceof EdgePropagator);
      const { ctx, span } = serverSpan(edgeTracer, propagator, forged[headers]!);
      span.end();
      const exported = finished('POST /v1/payments');
      assert.equal(exported.parentSpanContext, undefined, 'a root span');
      assert.notEqual(exported.spanContext().traceId, traceId, 'a trace of our own');
      assert.deepEqual(
        exported.links.map((l) => [l.context.traceId, l.context.spanId]),
        [[traceId, headers === 'tracecontext' ? CLIENT_SPAN_ID : B3_SPAN_ID]],
      );
      assert.equal(propagation.getBaggage(ctx), undefined, 'no inbound baggage');
    });
  }

  test('the control: the same b3 header through a plain B3 propagator joins the caller’s trace', () => {
    const propagator = new B3Propagator();
    const { span } = serverSpan(edgeTracer, propagator, forged.b3!);
    span.end();
    assert.equal(finished('POST /v1/payments').spanContext().traceId, B3_TRACE_ID);
  });

  test('outbound, every configured format is injected with our own trace', () => {
    const propagator = edgePropagatorFromEnv({ OTEL_PROPAGATORS: 'tracecontext,baggage,b3multi' })!;
    assert.deepEqual(propagator.fields().sort(), [
      'baggage',
      'traceparent',
      'tracestate',
      'x-b3-flags',
      'x-b3-parentspanid',
      'x-b3-sampled',
      'x-b3-spanid',
      'x-b3-traceid',
    ]);
    const root = edgeTracer.startSpan('root');
    const out: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, root), out, defaultTextMapSetter);
    root.end();
    assert.equal(out['x-b3-traceid'], root.spanContext().traceId);
    assert.equal(out.traceparent, `00-${root.spanContext().traceId}-${root.spanContext().spanId}-01`);
  });

  test('none: no propagator at all (nothing extracted, nothing injected)', () => {
    assert.equal(edgePropagatorFromEnv({ OTEL_PROPAGATORS: 'none' }), null);
  });

  test('a name it cannot wrap refuses to start, saying which and what to do', () => {
    assert.throws(
      () => edgePropagatorFromEnv({ OTEL_PROPAGATORS: 'tracecontext,xray' }),
      /OTEL_PROPAGATORS=tracecontext,xray: the public edge \(PAYTRACE_PUBLIC_EDGE=true\) cannot wrap xray .*tracecontext, baggage, b3, b3multi, jaeger or none/,
    );
  });
});
