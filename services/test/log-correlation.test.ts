import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { logCorrelationFields } from '../src/tracing.js';

/** A pino logger with paytrace's mixin, writing its JSON lines into an array. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ mixin: logCorrelationFields }, sink), lines };
}

describe('log correlation (pino mixin)', () => {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);

  test('a line written inside a span carries its trace_id, span_id and trace_flags', () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
    const { log, lines } = capturingLogger();
    const span = provider.getTracer('test').startSpan('request');
    context.with(trace.setSpan(context.active(), span), () => log.warn('inside'));
    span.end();
    assert.equal(lines[0]!.trace_id, span.spanContext().traceId);
    assert.equal(lines[0]!.span_id, span.spanContext().spanId);
    assert.equal(lines[0]!.trace_flags, '01');
  });

  test('an unsampled request keeps its ids, flagged 00: its lines still join up across services', () => {
    const provider = new BasicTracerProvider({ sampler: new TraceIdRatioBasedSampler(0) });
    const { log, lines } = capturingLogger();
    const span = provider.getTracer('test').startSpan('request');
    assert.equal(span.isRecording(), false);
    context.with(trace.setSpan(context.active(), span), () => log.warn('inside'));
    assert.equal(lines[0]!.trace_id, span.spanContext().traceId);
    assert.equal(lines[0]!.trace_flags, '00');
    assert.equal(span.spanContext().traceFlags, TraceFlags.NONE);
  });

  test('a line outside any span has no trace fields, and the mixin costs nothing for lines not written', () => {
    const { log, lines } = capturingLogger();
    log.warn('outside');
    assert.equal(lines[0]!.trace_id, undefined);
    let calls = 0;
    const quiet = pino(
      {
        level: 'warn',
        mixin: () => {
          calls++;
          return {};
        },
      },
      new Writable({ write: (_c, _e, done) => done() }),
    );
    quiet.info('not written');
    assert.equal(calls, 0);
  });
});
