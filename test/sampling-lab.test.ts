import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@paytrace/devstack';

/**
 * The sampling lab's quick mode, end to end (the real Vegeta, services, Collector, Jaeger): every figure
 * is present and consistent. Nothing here depends on how fast the machine is.
 */
test('sampling lab --quick: the table, the JSON and the chart, every figure present and sane', { timeout: 420_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'paytrace-lab-'));
  const stdout: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'sampling-lab.ts'), '--quick', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  assert.equal(code, 0, stdout.join(''));
  const table = stdout.join('');
  assert.match(table, /\| configuration \| RPS \| p50 ms \|/);
  assert.match(table, /95% CI/);

  const result = JSON.parse(readFileSync(join(out, 'sampling-lab.json'), 'utf8'));
  assert.equal(result.meta.generator, 'vegeta', "the project's own generator by default");
  const byId = Object.fromEntries(result.configurations.map((c: { id: string }) => [c.id, c]));
  assert.deepEqual(Object.keys(byId), ['sdk-off', 'ratio-0', 'ratio-0.01', 'ratio-0.1', 'ratio-1', 'tail']);

  for (const c of result.configurations) {
    assert.ok(c.achieved_rps > 0, `${c.id} achieved a rate`);
    const { p50, p95, p99 } = c.latency_ms;
    assert.ok(p50 > 0 && p50 <= p95 && p95 <= p99, `${c.id} percentiles ordered: ${p50} ${p95} ${p99}`);
    assert.ok(c.error_rate >= 0 && c.error_rate < 1);
    assert.ok(Number.isInteger(c.dropped_iterations));
    for (const part of [
      'auth',
      'balance',
      'payments',
      'gateway',
      'otel-collector',
      'jaeger',
      'prometheus',
      'postgres',
      'stripe-mock',
      'load-generator',
      'machine',
    ]) {
      assert.ok(c.cpu_seconds[part] >= 0, `${c.id} CPU of ${part}`);
    }
    assert.ok(c.cpu_seconds_services > 0);
    // Every cost counted: Postgres' backends do the queries (the old per-group reading gave 0), the
    // generator sends the load, and the machine's busy time covers everything the lab counts.
    assert.ok(c.cpu_seconds.postgres > 0, `${c.id} Postgres CPU ${c.cpu_seconds.postgres}`);
    assert.ok(c.cpu_seconds['load-generator'] > 0, `${c.id} load generator CPU ${c.cpu_seconds['load-generator']}`);
    const { services, counted, machine } = c.cpu_ms_per_request;
    assert.ok(services > 0 && counted > services, `${c.id} CPU per request ${services} < ${counted}`);
    assert.ok(machine >= counted * 0.9, `${c.id} machine ${machine} ms per request covers the ${counted} counted`);
    for (const k of ['services', 'counted', 'machine']) {
      assert.ok(Number.isFinite(c.ratio_to_baseline.cpu_ms_per_request[k]), `${c.id} CPU ratio ${k}`);
    }
    for (const k of ['achieved_rps', 'p50', 'p95', 'p99', 'cpu_seconds_services']) {
      assert.ok(Number.isFinite(c.ratio_to_baseline[k]), `${c.id} ratio ${k}`);
    }
    for (const k of ['sdk_dropped', 'collector_accepted', 'collector_refused', 'collector_sent', 'collector_send_failed', 'jaeger_accepted']) {
      assert.ok(Number.isInteger(c.spans[k]) && c.spans[k] >= 0, `${c.id} spans.${k}`);
    }
  }
  // Nothing traced: no span leaves the services, so no cost per span either.
  for (const id of ['sdk-off', 'ratio-0']) {
    assert.equal(byId[id].spans.collector_accepted, 0, id);
    assert.equal(byId[id].traces_stored, 0, id);
    assert.deepEqual(byId[id].cpu_us_per_span, { collector: null, jaeger: null }, id);
  }
  // The trace store's CPU per span stored, a column of its own beside the services' per request.
  assert.ok(byId['ratio-1'].cpu_us_per_span.jaeger > 0 && byId['ratio-1'].cpu_us_per_span.collector > 0);
  assert.match(table, /CPU µs per span: Collector \/ Jaeger \(the store\)/);
  // 100%: every request is a trace in Jaeger, and what the Collector took, Jaeger got.
  const all = byId['ratio-1'];
  const requests = Math.round(all.achieved_rps * result.meta.durationS);
  assert.ok(all.traces_stored >= requests * 0.9, `traces ${all.traces_stored} for about ${requests} requests`);
  assert.equal(all.spans.jaeger_accepted, all.spans.collector_sent);
  assert.ok(all.sampled_latency_estimate.p50.ci95_ms[0] <= all.sampled_latency_estimate.p50.estimate_ms);
  assert.ok(all.sampled_traces > 0);
  // The client's timings split by the traceresponse header's sampled flag: none with the SDK off,
  // all unsampled at 0, all sampled at 100%, some of each at 10%.
  const split = (id: string) => byId[id].client_waiting_by_sampling;
  assert.deepEqual(split('sdk-off'), { sampled: null, unsampled: null });
  assert.ok(split('ratio-0').sampled === null && split('ratio-0').unsampled.count > 0);
  assert.ok(split('ratio-1').unsampled === null && split('ratio-1').sampled.count > 0);
  assert.ok(split('ratio-1').sampled.p50 > 0 && split('ratio-1').sampled.p50 <= split('ratio-1').sampled.p99);
  assert.ok(split('ratio-0.1').unsampled.count > (split('ratio-0.1').sampled?.count ?? 0));
  assert.match(table, /Are the sampled requests typical\?/);
  // 10% keeps fewer, tail sampling keeps some but not all.
  assert.ok(byId['ratio-0.1'].traces_stored > 0 && byId['ratio-0.1'].traces_stored < all.traces_stored);
  assert.ok(byId.tail.spans.collector_accepted > 0);
  assert.ok(byId.tail.traces_stored > 0 && byId.tail.traces_stored < all.traces_stored);

  // The metrics against the generator: the SDK counts exactly the requests the gateway answered;
  // span metrics are exact at 100% (and tail, where the SDK sends everything); no estimate at all
  // without data (SDK off; span metrics at ratio 0), never a 0.
  for (const c of result.configurations) {
    const { sdk, span } = c.metric_estimates;
    if (c.id === 'sdk-off') {
      assert.deepEqual([sdk, span], [null, null]);
      continue;
    }
    assert.equal(sdk.requests.estimate, sdk.requests.truth, `${c.id}: SDK count = answered requests`);
    assert.ok(sdk.p50_ms.ci95[0] <= sdk.p50_ms.estimate && sdk.p50_ms.estimate <= sdk.p50_ms.ci95[1], `${c.id} SDK p50 in its bucket`);
    if (c.id === 'ratio-0') assert.equal(span, null);
    if (c.id === 'ratio-1' || c.id === 'tail') assert.equal(span.requests.estimate, span.requests.truth, `${c.id}: span metrics exact`);
  }
  assert.match(table, /\| traceidratio 0 \| span metrics \| 0 \| no estimate \(nothing sampled\) \|/);

  // The targets are reported (never asserted: they depend on the machine), each with its figure.
  assert.equal(result.targets.length, 7);
  for (const t of result.targets) {
    assert.ok(t.target && t.measured && !/NaN|undefined/.test(t.measured), JSON.stringify(t));
    assert.ok(t.met === null || typeof t.met === 'boolean');
  }
  assert.match(table, /Targets \(reported, not asserted\)/);

  const svg = readFileSync(join(out, 'sampling-lab.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const text of ['latency (ms)', '× baseline', 'traceidratio 0.01 (1%)']) assert.ok(svg.includes(text), `the chart shows "${text}"`);
});
