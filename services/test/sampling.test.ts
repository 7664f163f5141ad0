import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, trace, type SpanContext } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { samplerFromEnv } from '../src/sampling.js';

const remote = (flags: TraceFlags): SpanContext => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags, isRemote: true });

function tracerFor(env: NodeJS.ProcessEnv) {
  const sampler = samplerFromEnv(env);
  assert.ok(sampler, `a sampler for ${JSON.stringify(env)}`);
  return new BasicTracerProvider({ sampler }).getTracer('test');
}

describe('samplerFromEnv: the standard parent-based samplers, and new traces that follow a recorded one', () => {
  test('at ratio 0, a new trace is not recorded unless it is linked, at creation, to a recorded span', () => {
    const tracer = tracerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    assert.equal(tracer.startSpan('request', { root: true }).isRecording(), false);
    assert.equal(tracer.startSpan('reconcile payment', { root: true, links: [{ context: remote(TraceFlags.SAMPLED) }] }).isRecording(), true);
    assert.equal(tracer.startSpan('reconcile payment', { root: true, links: [{ context: remote(TraceFlags.NONE) }] }).isRecording(), false);
    // A link added after the decision (the edge's link to an untrusted inbound parent) decides nothing.
    const span = tracer.startSpan('request', { root: true });
    span.addLink({ context: remote(TraceFlags.SAMPLED) });
    assert.equal(span.isRecording(), false);
  });

  test('a child follows its parent, whatever its links say', () => {
    const tracer = tracerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' });
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, remote(TraceFlags.NONE));
    assert.equal(tracer.startSpan('child', { links: [{ context: remote(TraceFlags.SAMPLED) }] }, unsampledParent).isRecording(), false);
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, remote(TraceFlags.SAMPLED));
    assert.equal(tracer.startSpan('child', {}, sampledParent).isRecording(), true);
  });

  test('the default (parentbased_always_on) records new traces; a ratio out of range or not a number is 1, as the SDK reads it', () => {
    assert.equal(tracerFor({}).startSpan('request', { root: true }).isRecording(), true);
    for (const arg of ['2', '-1', 'half']) {
      const tracer = tracerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: arg });
      assert.equal(tracer.startSpan('request', { root: true }).isRecording(), true, arg);
    }
  });

  test('any other sampler is left to the SDK (undefined here)', () => {
    for (const name of ['always_on', 'always_off', 'traceidratio', 'parentbased_always_off', 'jaeger_remote']) {
      assert.equal(samplerFromEnv({ OTEL_TRACES_SAMPLER: name }), undefined, name);
    }
  });
});
