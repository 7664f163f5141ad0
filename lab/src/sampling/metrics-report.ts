/** The metrics part of the lab's report: each source's estimates against the load generator's truth, and what SDK metrics cost the services. */
import type { EstimateVsTruth, LabConfiguration, MetricSourceEstimate, MetricsCost } from '@paytrace/loadtest/sampling-lab-json';

/**
 * Each configuration against its --variant without SDK metrics (OTEL_METRICS_EXPORTER=none), e.g.
 * `--variant nometrics@ratio-0.01:OTEL_METRICS_EXPORTER=none`: services' CPU per request with and
 * without, and everything counted (which holds the Collector and Prometheus, who receive them).
 */
export function metricsCost(summaries: LabConfiguration[]): MetricsCost[] {
  const pairs: MetricsCost[] = [];
  for (const without of summaries.filter((s) => s.base_id && s.sdk_metrics === false)) {
    const withMetrics = summaries.find((s) => s.id === without.base_id && s.sdk_metrics);
    if (!withMetrics) continue;
    const part = (key: 'services' | 'counted') => {
      const a = withMetrics.cpu_ms_per_request[key];
      const b = without.cpu_ms_per_request[key];
      return { with_metrics: a, without_metrics: b, ratio: b > 0 ? +(a / b).toFixed(3) : NaN };
    };
    pairs.push({
      with_metrics: withMetrics.id,
      without_metrics: without.id,
      cpu_ms_per_request_services: part('services'),
      cpu_ms_per_request_counted: part('counted'),
    });
  }
  return pairs;
}

const f = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;

/** One estimate as a cell: estimate [95% interval]; truth, error; ✗ when the interval misses the truth. */
function cell(e: EstimateVsTruth | null, digits: number, scale = 1): string {
  if (!e) return 'no histogram';
  const high = e.ci95[1] === null ? '∞' : f(e.ci95[1] * scale, digits);
  const interval = e.ci95[0] === e.estimate && e.ci95[1] === e.estimate ? 'exact' : `[${f(e.ci95[0] * scale, digits)}, ${high}]`;
  // The error is relative to the truth: none when the truth is 0 (e.g. no 5xx at all).
  const error = e.error_rel === null ? '' : `, ${pct(e.error_rel)}`;
  const truth = e.truth === null ? '' : `; truth ${f(e.truth * scale, digits)}${error}${e.truth_inside === false ? ' ✗' : ''}`;
  return `${f(e.estimate * scale, digits)} ${interval}${truth}`;
}

/** Why a source has no estimate for a configuration: never a 0 that looks like a measurement. */
function noEstimate(s: LabConfiguration, source: 'sdk' | 'span'): string {
  if (s.sdk_sampling_ratio === null) return 'no estimate (SDK off)';
  if (source === 'sdk') return s.sdk_metrics === false ? 'no estimate (metrics off)' : 'no estimate (no data)';
  return s.sdk_sampling_ratio === 0 ? 'no estimate (nothing sampled)' : 'no estimate (no data)';
}

/** The report's metrics tables (Markdown lines); none when the run read no metrics. */
export function metricsMarkdown(summaries: LabConfiguration[], costs: MetricsCost[], generator: string): string[] {
  const measured = summaries.filter((s) => s.metric_estimates);
  if (measured.length === 0) return [];
  const lines = [
    '',
    `What the metrics say about the gateway's POST /process-payment in the measured window (median round), against ${generator}'s answers:`,
    'SDK metrics count every request; span metrics count the sampled spans, each 1/p times. Each figure: estimate [95% interval]; truth, error (✗: the interval misses it).',
    'Span-metric counts: exact binomial interval on the k sampled spans, divided by p. Quantiles: the bucket that holds the rank (SDK, p = 1), widened to the buckets of the',
    `order statistics of a 95% interval on the k sampled (span metrics). Latency truth is ${generator}'s round trip; the server's own measure is shorter (the network, time before`,
    'the server reads the request), so latency estimates run a little low, and an interval can miss the truth by that much without any sampling error.',
    '',
    '| configuration | source | seen | requests | rate req/s | 5xx share % | p50 ms | p95 ms | p99 ms |',
    '| --- | --- | ---: | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of measured) {
    const estimates = s.metric_estimates!;
    for (const [source, label] of [
      ['sdk', 'SDK metrics'],
      ['span', 'span metrics'],
    ] as const) {
      const e: MetricSourceEstimate | null = estimates[source];
      if (!e) {
        lines.push(`| ${s.label} | ${label} | 0 | ${noEstimate(s, source)} | | | | | |`);
        continue;
      }
      const p = e.sampling_probability < 1 ? ` (p = ${e.sampling_probability})` : '';
      lines.push(
        `| ${s.label} | ${label}${p} | ${e.seen} | ${cell(e.requests, 0)} | ${cell(e.rate_rps, 2)} | ${cell(e.error_rate, 2, 100)} | ${cell(e.p50_ms, 1)} | ${cell(e.p95_ms, 1)} | ${cell(e.p99_ms, 1)} |`,
      );
    }
  }
  if (costs.length > 0) {
    lines.push(
      '',
      'What SDK metrics cost (a configuration against its --variant with OTEL_METRICS_EXPORTER=none, interleaved; CPU ms per request, medians over rounds; all counted includes the Collector and Prometheus):',
      '',
      '| with metrics | without | services: with / without (ratio) | all counted: with / without (ratio) |',
      '| --- | --- | ---: | ---: |',
    );
    for (const c of costs) {
      const pair = (x: MetricsCost['cpu_ms_per_request_services']) => `${f(x.with_metrics, 2)} / ${f(x.without_metrics, 2)} (${f(x.ratio, 3)})`;
      lines.push(`| ${c.with_metrics} | ${c.without_metrics} | ${pair(c.cpu_ms_per_request_services)} | ${pair(c.cpu_ms_per_request_counted)} |`);
    }
  }
  return lines;
}
