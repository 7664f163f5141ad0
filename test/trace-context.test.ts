import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, stripeApiBase } from './support/env.js';
import { resetData } from './support/db.js';
import { getTrace, jaegerServices, waitForTrace } from './support/jaeger.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { assertWellFormed, randomHex, SERVICES } from './support/trace-assertions.js';

/**
 * Whose trace a request joins: a caller's traceparent at the public edge, and the sampling
 * decision every service must share (no partial traces).
 */

describe('trace context at the public edge', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ databaseUrl, stripeApiBase });
    await resetData(databaseUrl);
  });
  after(() => stack?.stop());

  const foreignParent = () => ({ traceId: randomHex(16), spanId: randomHex(8) });

  test('by default a caller\u2019s sampled traceparent neither joins nor forces our trace; it becomes a link', async () => {
    const caller = foreignParent();
    const res = await stack.pay({ amount: 10, currency: 'usd' }, { headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } });
    assert.equal(res.status, 201);
    assert.notEqual(res.body.trace_id, caller.traceId, 'a new trace was started');
    assert.equal(await getTrace(caller.traceId), undefined, 'nothing was recorded in the caller\u2019s trace');
    const spans = await waitForTrace(res.body.trace_id, { minSpans: 20 });
    const root = assertWellFormed(spans);
    assert.deepEqual(root.links, [{ traceId: caller.traceId, spanId: caller.spanId }], 'the caller\u2019s context is kept as a link');
  });

  test('by default an unsampled traceparent does not switch our tracing off either', async () => {
    const caller = foreignParent();
    const res = await stack.pay({ amount: 10, currency: 'usd' }, { headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-00` } });
    assert.match(res.headers.get('traceresponse') ?? '', /-01$/);
    await waitForTrace(res.body.trace_id, { minSpans: 20 });
  });

  test('with PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT=true the caller\u2019s context is the parent', async () => {
    await stack.stopService('gateway');
    await stack.startService('gateway', { PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT: 'true' });
    try {
      const caller = foreignParent();
      const res = await stack.pay({ amount: 10, currency: 'usd' }, { headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } });
      assert.equal(res.body.trace_id, caller.traceId);
      const spans = await waitForTrace(caller.traceId, { minSpans: 20 });
      const gatewayRoot = spans.find((s) => s.service === 'gateway' && s.kind === 'server');
      assert.equal(gatewayRoot?.parentSpanId, caller.spanId, 'our root is a child of the caller\u2019s span');
      assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), SERVICES);

      const unsampled = foreignParent();
      const quiet = await stack.pay({ amount: 10, currency: 'usd' }, { headers: { traceparent: `00-${unsampled.traceId}-${unsampled.spanId}-00` } });
      assert.match(quiet.headers.get('traceresponse') ?? '', /-00$/, 'the caller\u2019s decision not to sample is honoured');
    } finally {
      await stack.stopService('gateway');
      await stack.startService('gateway');
    }
  });

  // OTEL_PROPAGATORS used to switch the edge's protection off (the SDK then built the propagator
  // without the edge's wrapper): whatever it names, a forged context is still only a link.
  for (const propagators of ['tracecontext,baggage', 'tracecontext,baggage,b3']) {
    test(`with OTEL_PROPAGATORS=${propagators} at the edge a forged sampled context is still only a link`, async () => {
      await stack.stopService('gateway');
      await stack.startService('gateway', { OTEL_PROPAGATORS: propagators });
      try {
        const forged: { caller: { traceId: string; spanId: string }; headers: Record<string, string> }[] = [];
        const w3c = foreignParent();
        forged.push({ caller: w3c, headers: { traceparent: `00-${w3c.traceId}-${w3c.spanId}-01` } });
        if (propagators.includes('b3')) {
          const b3 = foreignParent();
          forged.push({ caller: b3, headers: { b3: `${b3.traceId}-${b3.spanId}-1` } });
        }
        for (const { caller, headers } of forged) {
          const res = await stack.pay({ amount: 10, currency: 'usd' }, { headers });
          assert.equal(res.status, 201);
          assert.notEqual(res.body.trace_id, caller.traceId, `${Object.keys(headers)[0]}: a new trace was started`);
          const root = assertWellFormed(await waitForTrace(res.body.trace_id, { minSpans: 20 }));
          assert.deepEqual(root.links, [caller], `${Object.keys(headers)[0]}: the forged context is kept as a link`);
          // Our own trace is in Jaeger, so anything exported under the forged id would be too.
          assert.equal(await getTrace(caller.traceId), undefined, 'nothing was recorded in the forged trace');
        }
      } finally {
        await stack.stopService('gateway');
        await stack.startService('gateway');
      }
    });
  }

  test('at the edge an OTEL_PROPAGATORS value it cannot wrap stops the gateway at start-up, saying why', async () => {
    await stack.stopService('gateway');
    try {
      // startService's error carries the process's last output.
      await assert.rejects(stack.startService('gateway', { OTEL_PROPAGATORS: 'tracecontext,xray' }), /exited.*cannot wrap xray/s);
    } finally {
      await stack.stopService('gateway');
      await stack.startService('gateway');
    }
  });
});

describe('sampling: every service agrees, no partial traces', () => {
  for (const ratio of ['0', '1']) {
    test(`OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=${ratio}`, async () => {
      const suffix = `-ratio${ratio}-${randomHex(3)}`;
      const names = Object.fromEntries(SERVICES.map((s) => [s, { OTEL_SERVICE_NAME: `${s}${suffix}` }]));
      const stack = await startTestStack({
        databaseUrl,
        stripeApiBase,
        env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio },
        envFor: names,
      });
      try {
        const traceIds: string[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await stack.pay({ amount: 10, currency: 'usd' });
          assert.equal(res.status, 201);
          traceIds.push(res.body.trace_id);
        }
        if (ratio === '1') {
          for (const id of traceIds) {
            const spans = await waitForTrace(id, { minSpans: 20 });
            assertWellFormed(spans);
            assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), SERVICES.map((s) => `${s}${suffix}`).sort());
          }
        } else {
          // Give the pipeline time to deliver anything it had, then look for any trace at all.
          await stack.stop();
          await sleep(1_500);
          for (const id of traceIds) assert.equal(await getTrace(id), undefined, `trace ${id} must not exist`);
          const seen = (await jaegerServices()).filter((s) => s.endsWith(suffix));
          assert.deepEqual(seen, [], 'no service exported a single span');
        }
      } finally {
        await stack.stop();
      }
    });
  }
});
