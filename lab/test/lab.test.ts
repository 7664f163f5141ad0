import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '@paytrace/devstack';
import { CONFIGS, selectConfigs } from '../src/sampling/configs.js';
import { parseLabArgs, LAB_DEFAULT_RATE } from '../src/sampling/options.js';
import type { ConfigSummary } from '../src/sampling/summary.js';
import { checkTargets } from '../src/sampling/targets.js';

describe('the lab command line', () => {
  test('defaults, and --quick picks the short ones', () => {
    const full = parseLabArgs([]);
    assert.deepEqual([full.rounds, full.rate, full.durationS, full.warmupS, full.p99ObjectiveMs], [3, LAB_DEFAULT_RATE, 30, 30, 250]);
    assert.equal(full.generator, 'vegeta', "the project's own generator unless k6 is asked for");
    assert.equal(parseLabArgs(['--generator', 'k6']).generator, 'k6');
    const quick = parseLabArgs(['--quick']);
    assert.deepEqual([quick.rounds, quick.rate, quick.durationS, quick.warmupS], [1, 20, 6, 2]);
  });

  test('with --max-throughput and no --rate, the rate is left for the lab to find', () => {
    assert.equal(parseLabArgs(['--max-throughput']).rate, undefined);
    assert.equal(parseLabArgs(['--max-throughput', '--rate', '80']).rate, 80);
  });

  test('bad numbers are usage errors that name the flag', () => {
    for (const argv of [
      ['--rounds', 'x'],
      ['--rounds', '1.5'],
      ['--rate=-3'],
      ['--duration', '0'],
      ['--warmup', ''],
      ['--ladder-from', 'NaN'],
      ['--generator', 'locust'],
    ]) {
      assert.throws(
        () => parseLabArgs(argv),
        (err: Error) => err instanceof UsageError && err.message.includes(argv[0]!.slice(2).split('=')[0]!),
        argv.join(' '),
      );
    }
    assert.equal(parseLabArgs(['--warmup', '0']).warmupS, 0, 'no warm-up is allowed');
  });

  test('an unknown flag is refused by parseArgs', () => {
    assert.throws(() => parseLabArgs(['--ratez', '3']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});

describe('configurations', () => {
  test('--only keeps the baseline first, since every ratio is against it', () => {
    assert.deepEqual(
      selectConfigs({ only: ['ratio-1'], variants: [] }).map((c) => c.id),
      ['sdk-off', 'ratio-1'],
    );
  });

  test('a variant is a configuration plus environment; commas stay inside a value', () => {
    const configs = selectConfigs({ only: ['sdk-off'], variants: ['lean@ratio-0:OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,undici,pg,FOO=1'] });
    const lean = configs.at(-1)!;
    assert.equal(lean.id, 'ratio-0+lean');
    assert.equal(lean.sdkRatio, 0);
    assert.equal(lean.serviceEnv.OTEL_NODE_ENABLED_INSTRUMENTATIONS, 'http,undici,pg');
    assert.equal(lean.serviceEnv.FOO, '1');
    assert.equal(lean.serviceEnv.OTEL_TRACES_SAMPLER_ARG, '0');
  });

  test("a variant's OTELCOL_* variables go to the Collector, the rest to the services", () => {
    const [, variant] = selectConfigs({ only: ['sdk-off'], variants: ['nogzip@ratio-1:OTELCOL_JAEGER_COMPRESSION=none,LOG_LEVEL=info'] });
    assert.equal(variant!.collectorEnv.OTELCOL_JAEGER_COMPRESSION, 'none');
    assert.equal(variant!.serviceEnv.OTELCOL_JAEGER_COMPRESSION, undefined);
    assert.equal(variant!.serviceEnv.LOG_LEVEL, 'info');
  });

  test('the Collector tier runs only when --only names it', () => {
    assert.ok(!selectConfigs({ only: undefined, variants: [] }).some((c) => c.collectors !== undefined));
    const chosen = selectConfigs({ only: ['tail', 'tail-tier-2'], variants: [] });
    assert.deepEqual(
      chosen.map((c) => [c.id, c.collectors]),
      [
        ['sdk-off', undefined],
        ['tail', undefined],
        ['tail-tier-2', 2],
      ],
    );
  });

  test('unknown configurations and malformed variants are usage errors', () => {
    assert.throws(() => selectConfigs({ only: ['ratio-2'], variants: [] }), UsageError);
    assert.throws(() => selectConfigs({ only: undefined, variants: ['x@sdk-off:A=1'] }), UsageError);
    assert.throws(() => selectConfigs({ only: undefined, variants: ['novalue'] }), UsageError);
    assert.equal(CONFIGS[0]!.id, 'sdk-off');
  });
});

describe('targets', () => {
  const summary = (id: string, servicesCpu: number, extra: Partial<ConfigSummary> = {}) =>
    ({
      id,
      label: id,
      cpu_ms_per_request: { services: servicesCpu, counted: 0, machine: 0 },
      latency_ms: { p50: 1, p95: 2, p99: 10 },
      ratio_to_baseline: { p99: 1 },
      spans: { sdk_dropped: 0, collector_accepted: 100, collector_refused: 0, collector_sent: 100, collector_send_failed: 0, jaeger_accepted: 100 },
      ...extra,
    }) as unknown as ConfigSummary;

  test('CPU at ratio 0 and the step to 1%, against the baseline', () => {
    const targets = checkTargets([summary('sdk-off', 4), summary('ratio-0', 4.4), summary('ratio-0.01', 4.6)], false);
    const byName = (part: string) => targets.find((t) => t.target.includes(part))!;
    assert.equal(byName('at ratio 0 ≤ 1.15').met, true); // 1.10 ×
    assert.equal(byName('≤ ratio 0 + 0.03').met, false); // +0.05 ×
    assert.equal(byName('max throughput at 1%').met, null, 'not measured without --max-throughput');
  });

  test('at 100%: every span stored, none dropped', () => {
    const lost = summary('ratio-1', 5, {
      spans: { sdk_dropped: 3, collector_accepted: 100, collector_refused: 0, collector_sent: 100, collector_send_failed: 0, jaeger_accepted: 97 },
    });
    const targets = checkTargets([summary('sdk-off', 4), lost], false);
    assert.equal(targets.find((t) => t.target.includes('every exported span'))!.met, false);
    assert.equal(targets.find((t) => t.target.includes('no span dropped'))!.met, false);
  });
});
