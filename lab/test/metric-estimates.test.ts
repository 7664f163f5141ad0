/** The lab's metric estimates and their report, from known Prometheus readings: windows, truth, "no estimate", and the metrics-cost pairing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabConfiguration } from '@paytrace/loadtest/sampling-lab-json';
import { metricEstimates, settleMs, type MetricReadings } from '../src/sampling/metric-estimates.js';
import { metricsCost, metricsMarkdown } from '../src/sampling/metrics-report.js';

const bounds = [10, 20, 30];
/** Readings after a warm-up (before) and after the window: 1000 more requests, 10 of them 503. */
const before: MetricReadings = {
  sdk: { byStatus: { '201': 400 }, histogramMs: { bounds, counts: [100, 300, 0, 0] } },
  span: { byStatus: { '201': 400 }, histogramMs: { bounds, counts: [100, 300, 0, 0] } },
};
const after: MetricReadings = {
  sdk: { byStatus: { '201': 1390, '503': 10 }, histogramMs: { bounds, counts: [200, 1100, 100, 0] } },
  // 10 spans sampled at 1 % in the window, one of them a 503.
  span: { byStatus: { '201': 1300, '503': 100 }, histogramMs: { bounds, counts: [200, 1000, 200, 0] } },
};
const truth = { requests: 1000, serverErrors: 10, latencyMs: { p50: 16, p95: 24, p99: 29 } };

test('the window is after − before; the SDK is exact, span metrics carry intervals', () => {
  const e = metricEstimates(before, after, { spanProbability: 0.01, windowS: 20, truth });
  const sdk = e.sdk!;
  assert.deepEqual(sdk.requests, { estimate: 1000, ci95: [1000, 1000], truth: 1000, error_rel: 0, truth_inside: true });
  assert.deepEqual(sdk.rate_rps, { estimate: 50, ci95: [50, 50], truth: 50, error_rel: 0, truth_inside: true });
  assert.equal(sdk.error_rate.estimate, 0.01);
  // 1000 in the window: ranks 500/501 in (10, 20].
  assert.deepEqual(sdk.p50_ms!.ci95, [10, 20]);
  assert.equal(sdk.p50_ms!.truth_inside, true);
  const span = e.span!;
  assert.equal(span.seen, 10);
  assert.equal(span.requests.estimate, 1000);
  assert.ok(span.requests.ci95[0]! < 1000 && span.requests.ci95[1]! > 1000, JSON.stringify(span.requests));
  assert.equal(span.error_rate.estimate, 0.1);
  assert.ok(span.error_rate.truth_inside, 'a 10 % sample share, yet 1 % lies inside its interval on 10 spans');
  assert.equal(span.p99_ms!.ci95[1], null, '10 spans: p99 unbounded above');
});

test('ratio 0 and SDK off: no estimate, not 0', () => {
  const empty: MetricReadings = { sdk: { byStatus: {}, histogramMs: undefined }, span: { byStatus: {}, histogramMs: undefined } };
  const ratio0 = metricEstimates(empty, { ...after, span: empty.span }, { spanProbability: 0, windowS: 20, truth });
  assert.equal(ratio0.span, null);
  assert.ok(ratio0.sdk);
  assert.deepEqual(metricEstimates(empty, empty, { spanProbability: null, windowS: 20, truth }), { window_s: 20, sdk: null, span: null });
});

test('a reading waits out the SDK export, or the span delay plus the span-metric flush', () => {
  assert.equal(settleMs({ metricExportMs: 10_000, spanDelayMs: 5_000, spanMetricsFlushMs: 2_000 }), 11_500);
  assert.equal(settleMs({ metricExportMs: 1_000, spanDelayMs: 5_000, spanMetricsFlushMs: 1_000 }), 7_500);
});

test('metrics cost pairs a configuration with its variant without metrics; the report says "no estimate"', () => {
  const config = (id: string, services: number, extra: Partial<LabConfiguration>) =>
    ({ id, label: id, sdk_sampling_ratio: 0.01, cpu_ms_per_request: { services, counted: services * 2, machine: 0 }, ...extra }) as LabConfiguration;
  const summaries = [
    config('ratio-0.01', 9, { sdk_metrics: true, metric_estimates: metricEstimates(before, after, { spanProbability: 0.01, windowS: 20, truth }) }),
    config('ratio-0.01+nometrics', 8, { sdk_metrics: false, base_id: 'ratio-0.01' }),
    config('ratio-0', 8, { sdk_sampling_ratio: 0, sdk_metrics: true, metric_estimates: { window_s: 20, sdk: null, span: null } }),
  ];
  const costs = metricsCost(summaries);
  assert.deepEqual(costs, [
    {
      with_metrics: 'ratio-0.01',
      without_metrics: 'ratio-0.01+nometrics',
      cpu_ms_per_request_services: { with_metrics: 9, without_metrics: 8, ratio: 1.125 },
      cpu_ms_per_request_counted: { with_metrics: 18, without_metrics: 16, ratio: 1.125 },
    },
  ]);
  const markdown = metricsMarkdown(summaries, costs, 'vegeta').join('\n');
  assert.match(markdown, /\| ratio-0 \| span metrics \| 0 \| no estimate \(nothing sampled\) \|/);
  assert.match(markdown, /\| ratio-0\.01 \| span metrics \(p = 0\.01\) \| 10 \| 1000 \[/);
  assert.match(markdown, /\| ratio-0\.01 \| ratio-0\.01\+nometrics \| 9\.00 \/ 8\.00 \(1\.125\) \|/);
});
