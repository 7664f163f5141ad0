import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createServiceApp, type ServiceApp, type ServiceAppOptions } from '../src/service-app.js';
import { BaseConfigSchema, loadConfig } from '../src/config.js';
import { loadSheddingOptions } from '../src/load-shedding.js';

/**
 * Load shedding through createServiceApp, with app.inject (no socket). Pressure is real: the
 * event loop is kept busy by a timer that busy-waits, and the plugin measures it every 20 ms.
 */
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const apps: ServiceApp[] = [];
async function build(options: ServiceAppOptions): Promise<ServiceApp> {
  const app = createServiceApp({ logger: false, ...options });
  app.get('/work', async () => ({ ok: true }));
  await app.ready();
  apps.push(app);
  return app;
}
after(() => Promise.all(apps.map((app) => app.close())));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks the event loop `blockMs` out of every turn until the returned function is called. */
function saturateEventLoop(blockMs = 60): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + blockMs;
    while (performance.now() < until);
  }, 1);
  return () => clearInterval(timer);
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Runs `work` while the loop is saturated and the app has measured it. */
async function underPressure<T>(app: ServiceApp, work: () => Promise<T>): Promise<T> {
  const stop = saturateEventLoop();
  try {
    await until(() => app.isUnderPressure(), 'the app to measure the pressure');
    return await work();
  } finally {
    stop();
  }
}

const fast = { sampleIntervalMs: 20 };

describe('load shedding (event-loop pressure)', () => {
  test('a normal request passes', async () => {
    const app = await build({ loadShedding: { maxEventLoopDelayMs: 40, ...fast } });
    await until(() => !app.isUnderPressure(), 'a quiet loop');
    const res = await app.inject({ method: 'GET', url: '/work' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true });
  });

  test('a saturated loop: 503 overloaded at once, in the envelope, with Retry-After; /healthz and /readyz still answer', async () => {
    const app = await build({ loadShedding: { maxEventLoopDelayMs: 40, ...fast } });
    const [shed, health, ready] = await underPressure(app, () =>
      Promise.all([
        app.inject({ method: 'GET', url: '/work' }),
        app.inject({ method: 'GET', url: '/healthz' }),
        app.inject({ method: 'GET', url: '/readyz' }),
      ]),
    );
    assert.equal(shed.statusCode, 503);
    assert.match(shed.headers['content-type'] as string, /^application\/json/);
    assert.equal(shed.headers['retry-after'], '1');
    assert.deepEqual(Object.keys(shed.json()), ['error']);
    assert.equal(shed.json().error.code, 'overloaded');
    assert.equal(typeof shed.json().error.message, 'string');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.equal(ready.statusCode, 200);

    await until(() => !app.isUnderPressure(), 'the loop to recover');
    assert.equal((await app.inject({ method: 'GET', url: '/work' })).statusCode, 200, 'answers again once the loop is quiet');
  });

  test('the refusal is a paytrace.load_shed event on the server span, with the measured delay', async () => {
    const app = await build({ loadShedding: { maxEventLoopDelayMs: 40, ...fast } });
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const span = tracer.startSpan('GET /work');
    // `.then` starts the injection inside the span's context (inject is lazy: awaited from
    // outside, it would start in the awaiting code's context instead).
    const res = await underPressure(app, () =>
      context.with(trace.setSpan(ROOT_CONTEXT, span), () => app.inject({ method: 'GET', url: '/work' }).then((r) => r)),
    );
    span.end();
    assert.equal(res.statusCode, 503);
    const [recorded] = exporter.getFinishedSpans();
    const event = recorded!.events.find((e) => e.name === 'paytrace.load_shed');
    assert.ok(event, 'a paytrace.load_shed event');
    assert.equal(event.attributes!['paytrace.load_shed.reason'], 'event_loop_delay');
    assert.equal(event.attributes!['paytrace.load_shed.limit'], 40);
    assert.ok((event.attributes!['paytrace.load_shed.value'] as number) > 40, String(event.attributes!['paytrace.load_shed.value']));
    assert.equal(recorded!.attributes['paytrace.error.code'], 'overloaded');
  });

  test('event-loop utilization is a limit of its own when set', async () => {
    const app = await build({ loadShedding: { maxEventLoopDelayMs: 0, maxEventLoopUtilization: 0.5, ...fast } });
    const res = await underPressure(app, () => app.inject({ method: 'GET', url: '/work' }));
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'overloaded');
  });

  test('off (0): not even measured, and a saturated loop still serves', async () => {
    const app = await build({ loadShedding: { maxEventLoopDelayMs: 0, maxEventLoopUtilization: 0 } });
    assert.equal(app.hasDecorator('isUnderPressure'), false);
    const stop = saturateEventLoop();
    await sleep(150);
    const res = await app.inject({ method: 'GET', url: '/work' }).finally(stop);
    assert.equal(res.statusCode, 200);
  });

  test('on by default, with the documented settings', async () => {
    const app = await build({});
    assert.equal(app.hasDecorator('isUnderPressure'), true);
    const config = loadConfig(BaseConfigSchema, {});
    assert.equal(config.MAX_EVENT_LOOP_DELAY_MS, 500);
    assert.equal(config.MAX_EVENT_LOOP_UTILIZATION, 0);
    assert.deepEqual(loadSheddingOptions(loadConfig(BaseConfigSchema, { MAX_EVENT_LOOP_DELAY_MS: '0', MAX_EVENT_LOOP_UTILIZATION: '0.98' })), {
      maxEventLoopDelayMs: 0,
      maxEventLoopUtilization: 0.98,
    });
  });
});
