import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl, jaegerUrl, prometheusUrl } from './support/env.js';
import { resetData } from './support/db.js';
import { startFaultStack, SCENARIO_LOAD, type FaultStack } from './support/fault-stack.js';
import { JaegerClient, analyzeTrace, collectTraces, verdict, type TraceSpan, type Verdict } from '@paytrace/trace-analysis';
import { LOAD_API_KEYS, clearFaults, writeFaults } from '@paytrace/faults';
import { driveLoad } from '@paytrace/lab/load';

/**
 * Service replicas on the real stack: balance as two processes (balance-1, balance-2) behind the
 * dev stack's balancer on balance's port. Requests spread over both, each span names its instance
 * (service.instance.id, in the traces and in the metrics), and with a fault on balance-2 alone
 * the detective names balance-2, not balance, not balance-1.
 */

const INSTANCES = ['balance-1', 'balance-2'];
/** Each of a hold's four round trips this much longer, on balance-2 only (the catalog's example is 20). */
const FAULT_MS = 40;

describe('replicas: balance=2 behind a load balancer', () => {
  let faults: FaultStack;
  const jaeger = new JaegerClient(jaegerUrl);

  before(async () => {
    await resetData(databaseUrl);
    faults = await startFaultStack({ name: 'replicas', replicas: { balance: 2 } });
  });
  after(async () => {
    if (faults) clearFaults(faults.flagFile);
    await faults?.stop();
  });

  /** Payments for SCENARIO_LOAD's few seconds; their sampled traces, read back from Jaeger. */
  async function pay(): Promise<{ traces: TraceSpan[][]; verdict: Verdict }> {
    const requests = await driveLoad({ gatewayUrl: faults.stack.gateway, route: '/process-payment', apiKeys: LOAD_API_KEYS, ...SCENARIO_LOAD });
    const traceIds = requests.flatMap((r) => (r.sampled && r.traceId ? [r.traceId] : [])).slice(-200);
    assert.ok(traceIds.length >= 20, `only ${traceIds.length} sampled requests`);
    const traces = await collectTraces(jaeger, { traceIds }, { settleMs: 1_500 });
    assert.equal(traces.length, traceIds.length, 'every sampled payment is in Jaeger');
    return { traces, verdict: verdict(traces.map(analyzeTrace)) };
  }

  test('requests spread over both replicas, each span says which served it, and the balancer is no span', async () => {
    assert.deepEqual(faults.stack.instances, { balance: INSTANCES });
    assert.equal(faults.stack.replicas.get('balance')?.length, 2);
    const { traces, verdict: healthy } = await pay();
    const served = new Map(INSTANCES.map((i) => [i, 0]));
    for (const spans of traces) {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const balanceServers = spans.filter((s) => s.service === 'balance' && s.kind === 'server');
      assert.ok(balanceServers.length >= 2, `trace ${spans[0]!.traceId}: a hold and its capture`);
      for (const s of balanceServers) {
        const instance = s.resource?.['service.instance.id'];
        assert.ok(typeof instance === 'string' && served.has(instance), `balance span ${s.spanId} names its instance (${String(instance)})`);
        served.set(instance, served.get(instance)! + 1);
        // Invisible like a cloud load balancer: the replica's SERVER span is the gateway's CLIENT span's child.
        const parent = byId.get(s.parentSpanId ?? '');
        assert.equal(`${parent?.service} ${parent?.kind}`, 'gateway client', `trace ${s.traceId}: nothing between caller and replica`);
      }
      // A service that runs one process has the default: a UUID v5 of its name, host and port.
      const gateway = spans.find((s) => s.service === 'gateway');
      assert.match(String(gateway?.resource?.['service.instance.id']), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
    }
    const total = [...served.values()].reduce((a, b) => a + b, 0);
    for (const [instance, n] of served) assert.ok(n >= total * 0.35, `${instance} served ${n} of ${total} balance requests`);
    // Replicas alike: the verdict names no instance.
    assert.equal(healthy.instance, undefined, healthy.sentence);
    assert.equal(healthy.culprit?.instance, undefined);

    // The SDK metrics carry the instance too: Prometheus's `instance` label, a series per replica.
    const query = 'count by (instance) (http_server_request_duration_seconds_count{service_name="balance"})';
    let instances: string[] = [];
    for (let tries = 0; tries < 30 && instances.length < 2; tries++) {
      const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`);
      const body = (await res.json()) as { data: { result: Array<{ metric: { instance?: string } }> } };
      instances = body.data.result.map((r) => r.metric.instance ?? '').filter((i) => INSTANCES.includes(i));
      if (instances.length < 2) await sleep(500);
    }
    assert.deepEqual(instances.sort(), INSTANCES);
  });

  test('a fault on balance-2 alone: only it slows down, and the detective names balance-2', async (t) => {
    writeFaults(faults.flagFile, { 'balance-db-latency': FAULT_MS }, { instances: ['balance-2'] });
    await sleep(2_000); // a switch applies within a second (the proxies poll the file every 250 ms)
    const { verdict: v } = await pay();
    const explain = `${v.sentence}\n  instances: ${JSON.stringify(v.instance?.instances)}`;
    t.diagnostic(`verdict: ${v.sentence}`);
    assert.equal(v.culprit?.service, 'balance', explain);
    assert.equal(v.culprit?.instance, 'balance-2', explain);
    assert.equal(v.instance?.kind, 'latency', explain);
    const [odd, sibling] = v.instance!.instances;
    assert.deepEqual([odd?.instance, sibling?.instance], INSTANCES.toReversed());
    // balance-2's spans hold its four slowed round trips (a hold: 4 × 40 ms); balance-1's none.
    assert.ok(odd!.p50 >= 2 * FAULT_MS * 1000, explain);
    assert.ok(sibling!.p50 < FAULT_MS * 1000, explain);
    assert.match(v.sentence, /one stands out, balance-2: its spans \d+\.\d ms p50 \(\d+ spans\) against \d+\.\d ms p50 on balance-1/);
    assert.doesNotMatch(v.sentence, /one stands out, balance-1/);

    // Off again: the replicas alike, no instance named.
    clearFaults(faults.flagFile);
    await sleep(2_000);
    const { verdict: after } = await pay();
    assert.equal(after.instance, undefined, after.sentence);
  });

  test('a flag the service reads, scoped to balance-2: its evaluation context names the instance', async () => {
    const flag = 'balance-velocity-check-under-lock';
    writeFaults(faults.flagFile, { [flag]: true }, { instances: ['balance-2'] });
    await sleep(2_000);
    const evaluated = new Map<string, unknown[]>();
    for (let i = 0; i < 8; i++) {
      // One payment at a time is two balance requests (hold, capture), so round robin would send
      // every hold to the same replica: one more request through the balancer on every other payment.
      if (i % 2 === 1) assert.equal((await fetch(`${faults.stack.urls.balance}/healthz`)).status, 200);
      const paid = await faults.stack.pay({ amount: 100 + i, currency: 'usd' }, { idempotencyKey: `replicas-flag-${Date.now()}-${i}` });
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
      const traceId = (paid.headers.get('traceresponse') ?? '').split('-')[1]!;
      const spans = await jaeger.waitForTrace(traceId, { minSpans: 10 });
      for (const s of spans.filter((x) => x.service === 'balance')) {
        const event = s.logs.find((l) => l['feature_flag.key'] === flag);
        if (!event) continue;
        const instance = String(s.resource?.['service.instance.id']);
        evaluated.set(instance, [...(evaluated.get(instance) ?? []), event['feature_flag.result.value']]);
      }
    }
    clearFaults(faults.flagFile);
    // Each hold evaluates the flag once, in whichever replica took it: on in balance-2, off in balance-1.
    assert.deepEqual([...evaluated.keys()].sort(), INSTANCES, JSON.stringify([...evaluated]));
    assert.ok(
      evaluated.get('balance-2')!.every((v) => v === true),
      JSON.stringify(evaluated.get('balance-2')),
    );
    assert.ok(
      evaluated.get('balance-1')!.every((v) => v === false),
      JSON.stringify(evaluated.get('balance-1')),
    );
  });
});
