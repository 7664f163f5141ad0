import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, TraceFlags, createTraceState, trace, type SpanContext } from '@opentelemetry/api';
import { BasicTracerProvider, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { samplerFromEnv, thresholdOf } from '../src/sampling.js';

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

describe('consistent probability sampling: the threshold in tracestate, for span metrics', () => {
  test('a kept new trace carries its threshold (ot=th), and its children inherit it', () => {
    const tracer = tracerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' });
    // Randomness is the trace id's last 56 bits: 0xff… is kept at 1 %, 0x00… is not.
    const sampler = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' })!;
    const kept = sampler.shouldSample(ROOT_CONTEXT, '0'.repeat(18) + 'f'.repeat(14), 'request', SpanKind.SERVER, {}, []);
    assert.equal(kept.decision, SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(kept.traceState?.get('ot'), `th:${thresholdOf(0.01)}`);
    const dropped = sampler.shouldSample(ROOT_CONTEXT, 'f'.repeat(18) + '0'.repeat(14), 'request', SpanKind.SERVER, {}, []);
    assert.equal(dropped.decision, SamplingDecision.NOT_RECORD);
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0'.repeat(18) + 'f'.repeat(14),
      spanId: 'b'.repeat(16),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState(`ot=th:${thresholdOf(0.01)}`),
    });
    const child = tracer.startSpan('child', {}, parent);
    assert.equal(child.isRecording(), true);
    assert.equal(child.spanContext().traceState?.get('ot'), `th:${thresholdOf(0.01)}`);
  });

  test('thresholds are the specification examples: 1 → 0, 1/2 → 8, 1 % → fd70a3d70a3d71, 0 → none', () => {
    assert.equal(thresholdOf(1), '0');
    assert.equal(thresholdOf(0.5), '8');
    assert.equal(thresholdOf(0.01), 'fd70a3d70a3d71');
    assert.equal(thresholdOf(0), undefined);
  });

  test("a trace that continues a kept one takes its randomness and the sampler's threshold, so both weigh 1/p", () => {
    const tracer = tracerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' });
    const payment = { ...remote(TraceFlags.SAMPLED), traceId: '1'.repeat(18) + 'fe'.repeat(7) };
    const settle = tracer.startSpan('reconcile payment', { root: true, links: [{ context: payment }] });
    assert.equal(settle.isRecording(), true);
    assert.equal(settle.spanContext().traceState?.get('ot'), `rv:${'fe'.repeat(7)};th:${thresholdOf(0.01)}`);
    // Its children compare th with rv, not with their own trace id, and are kept.
    const child = tracer.startSpan('UPDATE', {}, trace.setSpan(ROOT_CONTEXT, settle));
    assert.equal(child.isRecording(), true);
  });

  test('the default records every trace with threshold 0 (each span counts once)', () => {
    assert.equal(tracerFor({}).startSpan('request', { root: true }).spanContext().traceState?.get('ot'), 'th:0');
  });
});
