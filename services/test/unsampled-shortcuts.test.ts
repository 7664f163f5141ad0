import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, createContextKey, ROOT_CONTEXT, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import Fastify from 'fastify';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { unsampledShortcuts, UNSAMPLED_SHORTCUTS } from '../src/unsampled-shortcuts.js';
import { EmitBindingContextManager } from '../src/context-manager.js';
import { addSqlCommenterOnlyWhenSampled, pgInstrumentationSqlCommon } from '../src/sqlcommenter-when-sampled.js';
import { RecordingSpanEventHook } from '../src/fault-flags.js';
import { recordRoutesForMetrics, skipUnrecorded } from '../src/fastify-unsampled.js';

const KEY = createContextKey('request');
const REQUEST_A = ROOT_CONTEXT.setValue(KEY, 'A');
const REQUEST_B = ROOT_CONTEXT.setValue(KEY, 'B');
/** A span the sampler dropped: valid context, not recorded. */
const UNSAMPLED = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 });

test('PAYTRACE_UNSAMPLED_SHORTCUTS: all by default, none, a list; an unknown name is an error', () => {
  assert.deepEqual([...unsampledShortcuts({})], [...UNSAMPLED_SHORTCUTS]);
  assert.deepEqual([...unsampledShortcuts({ PAYTRACE_UNSAMPLED_SHORTCUTS: 'none' })], []);
  assert.deepEqual([...unsampledShortcuts({ PAYTRACE_UNSAMPLED_SHORTCUTS: 'context, pool-scope' })], ['context', 'pool-scope']);
  assert.throws(() => unsampledShortcuts({ PAYTRACE_UNSAMPLED_SHORTCUTS: 'context,sqlcomenter' }), /unknown shortcut "sqlcomenter"/);
});

test('EmitBindingContextManager: listeners of a bound emitter run in its context, wherever it emits; removal and once work as before', () => {
  const manager = new EmitBindingContextManager().enable();
  try {
    const emitter = new EventEmitter();
    const seen: string[] = [];
    const onData = () => seen.push(`data in ${String(manager.active().getValue(KEY))}`);
    manager.with(REQUEST_A, () => manager.bind(manager.active(), emitter));
    // A second binding (another request's) does not take the emitter over: the first wins, as upstream.
    manager.bind(REQUEST_B, emitter);
    emitter.on('data', onData);
    emitter.once('end', () => seen.push(`end in ${String(manager.active().getValue(KEY))}`));
    manager.with(REQUEST_B, () => emitter.emit('data'));
    emitter.emit('end');
    emitter.emit('end');
    emitter.removeListener('data', onData);
    emitter.emit('data');
    assert.deepEqual(seen, ['data in A', 'end in A']);
    assert.equal(emitter.listenerCount('data'), 0);
    // An error with no listener still throws, as from any emitter.
    assert.throws(() => emitter.emit('error', new Error('boom')), /boom/);
  } finally {
    manager.disable();
  }
});

test('EmitBindingContextManager: with() of the active context calls through, and still switches and restores another', () => {
  const manager = new EmitBindingContextManager().enable();
  try {
    const result = manager.with(REQUEST_A, () => {
      const inner = manager.with(manager.active(), (x: number) => x + 1, undefined, 1);
      const other = manager.with(REQUEST_B, () => manager.active().getValue(KEY));
      return [inner, other, manager.active().getValue(KEY)];
    });
    assert.deepEqual(result, [2, 'B', 'A']);
    const bound = manager.bind(REQUEST_B, function (this: { n: number }) {
      return `${this.n} in ${String(manager.active().getValue(KEY))}`;
    });
    assert.equal(bound.call({ n: 7 }), '7 in B');
  } finally {
    manager.disable();
  }
});

test('sqlcommenter: a sampled span gets its traceparent comment; an unsampled one leaves the query as it was', () => {
  addSqlCommenterOnlyWhenSampled();
  addSqlCommenterOnlyWhenSampled(); // idempotent
  const sqlCommon = pgInstrumentationSqlCommon();
  const spanWith = (traceFlags: number) =>
    trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags });
  assert.equal(
    sqlCommon.addSqlCommenterComment(spanWith(TraceFlags.SAMPLED), 'SELECT 1'),
    "SELECT 1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/",
  );
  assert.equal(sqlCommon.addSqlCommenterComment(spanWith(TraceFlags.NONE), 'SELECT 1'), 'SELECT 1');
});

test('RecordingSpanEventHook: the evaluation event on a recording span, nothing built for a span that is not', async () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  const manager = new EmitBindingContextManager().enable();
  context.setGlobalContextManager(manager);
  try {
    await OpenFeature.setProviderAndWait(
      'shortcut-test',
      new InMemoryProvider({ 'some-fault': { disabled: false, variants: { on: true, off: false }, defaultVariant: 'on' } }),
    );
    const client = OpenFeature.getClient('shortcut-test');
    const hook = new RecordingSpanEventHook();
    let built = 0;
    const toEvent = hook['toEvaluationEvent'].bind(hook);
    hook['toEvaluationEvent'] = (...args: Parameters<typeof toEvent>) => {
      built++;
      return toEvent(...args);
    };
    client.addHooks(hook);
    const recorded = tracer.startSpan('recorded');
    await context.with(trace.setSpan(context.active(), recorded), () => client.getBooleanValue('some-fault', false));
    recorded.end();

    await context.with(trace.setSpan(context.active(), UNSAMPLED), () => client.getBooleanValue('some-fault', false));
    assert.equal(built, 1);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.events[0]?.name, 'feature_flag.evaluation');
    assert.equal(span?.events[0]?.attributes?.['feature_flag.key'], 'some-fault');
  } finally {
    await OpenFeature.clearProviders();
    context.disable();
  }
});

test('fastify shortcut: a recorded request keeps its request and handler spans, an unrecorded one makes none; both name their route for the duration metric', async () => {
  const manager = new EmitBindingContextManager().enable();
  context.setGlobalContextManager(manager);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // As in telemetry-sdk.ts: the routes' hook first, then the plugin, both on Fastify's initialization channel.
  recordRoutesForMetrics();
  const instrumentation = new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: skipUnrecorded });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();

  try {
    assert.equal(skipUnrecorded(), false, 'outside a request (a route being registered) nothing is skipped');
    // Each request handled in a context like the one the http instrumentation gives it: its span and RPC metadata.
    let requestSpan: Span = UNSAMPLED;
    let rpcMetadata: RPCMetadata | undefined;
    const app = Fastify({
      serverFactory: (handler) =>
        createServer((req, res) => {
          rpcMetadata = { type: RPCType.HTTP, span: requestSpan };
          context.with(setRPCMetadata(trace.setSpan(ROOT_CONTEXT, requestSpan), rpcMetadata), () => handler(req, res));
        }),
    });
    app.get('/accounts/:id', async function readAccount() {
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/accounts/42`;

    requestSpan = provider.getTracer('test').startSpan('SERVER');
    assert.equal((await fetch(url)).status, 200);
    requestSpan.end();
    assert.equal(rpcMetadata?.route, '/accounts/:id');
    assert.deepEqual(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
      ['SERVER', 'handler - readAccount', 'request'],
    );

    exporter.reset();
    requestSpan = UNSAMPLED;
    assert.equal((await fetch(url)).status, 200);
    assert.equal(rpcMetadata?.route, '/accounts/:id');
    assert.deepEqual(exporter.getFinishedSpans(), []);
    await app.close();
  } finally {
    instrumentation.disable();
    context.disable();
  }
});
