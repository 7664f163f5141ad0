import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics';
import Fastify from 'fastify';
import { countActiveRequests } from '../src/active-requests.js';

/** A reader the test collects from when it wants (no export interval). */
class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

describe('http.server.active_requests: requests in flight, per method', () => {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  before(() => metrics.setGlobalMeterProvider(provider));
  after(async () => {
    metrics.disable();
    await provider.shutdown();
  });

  async function activeByMethod(): Promise<Record<string, number>> {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.server.active_requests') as
      SumMetricData | undefined;
    return Object.fromEntries((metric?.dataPoints ?? []).map((p) => [String(p.attributes['http.request.method']), p.value]));
  }

  test('counts a request while it is handled and not after; probes and failed requests leave no count behind', async () => {
    const app = Fastify();
    countActiveRequests(app);
    let release!: () => void;
    const handled = new Promise<void>((resolve) => (release = resolve));
    app.post('/slow', async () => {
      await handled;
      return { ok: true };
    });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/fails', async () => {
      throw new Error('boom');
    });
    await app.ready();

    const inFlight = app.inject({ method: 'POST', url: '/slow' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await activeByMethod(), { POST: 1 });
    await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal((await activeByMethod()).GET, undefined, 'a probe is not counted');
    release();
    assert.equal((await inFlight).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/fails' })).statusCode, 500);
    assert.deepEqual(await activeByMethod(), { POST: 0, GET: 0 });
    await app.close();
  });
});
