import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  configDefault,
  DEFAULT_TRACE_STORE,
  formatBytes,
  jaegerConfigArgs,
  TRACE_STORES,
  traceStoreBound,
  traceStoreFrom,
  traceStoreStatusLine,
} from '../src/trace-store.js';
import { DEFAULT_SEARCH_LIMIT } from '@paytrace/trace-analysis';
import { ROOT } from '../src/ports.js';

const telemetry = (...path: string[]) => readFileSync(join(ROOT, 'telemetry', ...path), 'utf8');

test('one file per trace store, each defining the backend trace_store and nothing else', () => {
  const files = readdirSync(join(ROOT, 'telemetry', 'trace-store')).filter((f) => f.endsWith('.yaml'));
  // OpenSearch is compose's only (the scale profile, docs/scale.md): no native stack runs one.
  const composeOnly = ['opensearch'];
  assert.deepEqual(files.map((f) => f.replace(/\.yaml$/, '')).sort(), [...TRACE_STORES, ...composeOnly].sort());
  for (const kind of [...TRACE_STORES, ...composeOnly]) {
    const config = parse(telemetry('trace-store', `${kind}.yaml`)) as { extensions: { jaeger_storage: { backends: Record<string, object> } } };
    assert.deepEqual(Object.keys(config), ['extensions']);
    assert.deepEqual(Object.keys(config.extensions), ['jaeger_storage']);
    assert.deepEqual(Object.keys(config.extensions.jaeger_storage.backends), ['trace_store']);
    assert.deepEqual(Object.keys(config.extensions.jaeger_storage.backends.trace_store!), [kind === 'memstore' ? 'memory' : kind]);
  }
});

test('jaeger.yaml names no trace backend of its own (Jaeger opens every one named), reads trace_store, and does not trace itself', () => {
  const config = parse(telemetry('jaeger.yaml')) as {
    extensions: Record<
      string,
      { storage?: { traces: string; metrics?: string }; enable_tracing?: string; backends?: unknown; metric_backends?: object }
    >;
    exporters: { jaeger_storage_exporter: { trace_storage: string } };
  };
  // Its only backend is the Monitor tab's metrics (Prometheus); the trace store is trace-store/<kind>.yaml's.
  assert.equal(config.extensions.jaeger_storage!.backends, undefined);
  assert.deepEqual(Object.keys(config.extensions.jaeger_storage!.metric_backends ?? {}), ['span_metrics']);
  assert.equal(config.extensions.jaeger_query!.storage!.metrics, 'span_metrics');
  assert.equal(config.extensions.jaeger_query!.storage!.traces, 'trace_store');
  assert.equal(config.exporters.jaeger_storage_exporter.trace_storage, 'trace_store');
  // eslint-disable-next-line no-template-curly-in-string -- the collector's own syntax, not a template
  assert.equal(config.extensions.jaeger_query!.enable_tracing, '${env:JAEGER_SELF_TRACING:-false}');
});

test('JAEGER_TRACE_STORAGE picks the store, memstore by default; anything else is refused', () => {
  assert.equal(DEFAULT_TRACE_STORE, 'memstore');
  assert.equal(traceStoreFrom({}), 'memstore');
  assert.equal(traceStoreFrom({ JAEGER_TRACE_STORAGE: 'badger' }), 'badger');
  assert.throws(
    () => traceStoreFrom({ JAEGER_TRACE_STORAGE: 'cassandra' }),
    /JAEGER_TRACE_STORAGE must be one of memstore, badger \(was cassandra\)/,
  );
  assert.deepEqual(jaegerConfigArgs('badger'), [
    '--config',
    join(ROOT, 'telemetry', 'jaeger.yaml'),
    '--config',
    join(ROOT, 'telemetry', 'trace-store', 'badger.yaml'),
  ]);
});

test('a search asks for no more traces than memstore holds by default (it refuses a deeper one)', () => {
  assert.equal(configDefault('memstore', 'JAEGER_MAX_TRACES'), String(DEFAULT_SEARCH_LIMIT));
});

test('the bound is said as the files and the environment set it', () => {
  assert.equal(traceStoreBound('memstore', {}), `at most ${DEFAULT_SEARCH_LIMIT} traces, then the oldest go; gone on restart`);
  assert.equal(traceStoreBound('memstore', { JAEGER_MAX_TRACES: '500' }), 'at most 500 traces, then the oldest go; gone on restart');
  assert.match(traceStoreBound('badger', {}), new RegExp(`^spans deleted ${configDefault('badger', 'JAEGER_TRACE_TTL')} after they arrive`));
});

test("the stack's line on the store: its share of a core between two readings, memory, and disk for Badger", () => {
  const before = { cpuSeconds: 10, residentBytes: 100e6, diskBytes: 1e9 };
  const now = { cpuSeconds: 13, residentBytes: 150e6, diskBytes: 1.25e9 };
  assert.equal(
    traceStoreStatusLine('badger', before, now, 60),
    'trace store (badger): Jaeger 5.0% of a core over the last 60 s, 150.0 MB resident, 1.3 GB on disk',
  );
  assert.equal(
    traceStoreStatusLine('memstore', { ...before, diskBytes: undefined }, { ...now, diskBytes: undefined }, 60),
    'trace store (memstore): Jaeger 5.0% of a core over the last 60 s, 150.0 MB resident',
  );
  assert.deepEqual([0, 999, 1000, 1_234_567, 5e9].map(formatBytes), ['0 B', '999 B', '1.0 KB', '1.2 MB', '5.0 GB']);
});
