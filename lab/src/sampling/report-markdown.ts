/** The sampling lab's report as Markdown tables: cost, CPU per part, what the traces tell, the targets. */
import type { ConfigSummary } from './summary.js';
import type { Target } from './targets.js';
import { minSampleForCi } from '@paytrace/trace-analysis';
import type { MetricsCost } from '@paytrace/loadtest/sampling-lab-json';
import { metricsMarkdown } from './metrics-report.js';

/** CPU µs per span of the Collector and of Jaeger: one cell, – where there were no spans. */
function perSpanCell(s: ConfigSummary): string {
  const us = s.cpu_us_per_span;
  if (!us) return '–';
  return [us.collector, us.jaeger].map((x) => (x === null ? '–' : x.toFixed(0))).join(' / ');
}

/** The lab's report as Markdown tables: cost, CPU per part, what the traces tell, targets. */
export function markdownReport(
  summaries: ConfigSummary[],
  meta: { rate: number; durationS: number; rounds: number; p99ObjectiveMs: number; generator: string },
  targets: Target[],
  metricsCost: MetricsCost[] = [],
): string {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const client = meta.generator;
  const lines = [
    `Sampling lab: ${meta.rate} req/s for ${meta.durationS} s per run (load by ${client}), ${meta.rounds} interleaved round(s); medians over rounds.`,
    '',
    '| configuration | RPS | p50 ms | p95 ms | p99 ms | p99 × baseline | errors | late or dropped | CPU ms per request: services (× base) | all counted (× base) | machine (× base) | spans accepted / refused (Collector) | spans in Jaeger | traces stored | CPU µs per span: Collector / Jaeger (the store) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of summaries) {
    const cpuCell = (part: 'services' | 'counted' | 'machine') =>
      `${f(s.cpu_ms_per_request[part], 2)} (${f(s.ratio_to_baseline.cpu_ms_per_request[part], 2)})`;
    lines.push(
      `| ${s.label} | ${f(s.achieved_rps)} | ${f(s.latency_ms.p50)} | ${f(s.latency_ms.p95)} | ${f(s.latency_ms.p99)} | ${f(s.ratio_to_baseline.p99, 2)} | ${f(s.error_rate * 100, 2)}% | ${s.dropped_iterations} | ${cpuCell('services')} | ${cpuCell('counted')} | ${cpuCell('machine')} | ${s.spans.collector_accepted} / ${s.spans.collector_refused} | ${s.spans.jaeger_accepted} | ${s.traces_stored} | ${perSpanCell(s)} |`,
    );
  }
  const needed = { p50: minSampleForCi(0.5), p95: minSampleForCi(0.95), p99: minSampleForCi(0.99) };
  lines.push(
    '',
    `CPU per request sent, medians over rounds. All counted: the services, Postgres (postmaster and every backend), stripe-mock, the Collector, Jaeger, Prometheus and the load generator (${client}). Machine: every core busy, whoever used it (the lab itself and the kernel too).`,
    '',
    `| configuration | ${partsOf(summaries).join(' | ')} |`,
    `| --- | ${partsOf(summaries)
      .map(() => '---:')
      .join(' | ')} |`,
    ...summaries.map(
      (s) =>
        `| ${s.label} | ${partsOf(summaries)
          .map((part) => f(s.cpu_ms_per_request_by_part[part] ?? NaN, 2))
          .join(' | ')} |`,
    ),
    '',
    `What the stored traces say about latency (201 payments of the median round; 95% CI from order statistics; truth = ${client}'s waiting time for the answer).`,
    `A valid 95% CI needs at least ${needed.p50} traces for p50, ${needed.p95} for p95 and ${needed.p99} for p99, whatever the sampling rate.`,
    '',
  );
  lines.push(
    `| configuration | traces used | p50 estimate [95% CI] | ${client} p50 | p95 estimate [95% CI] | ${client} p95 | p99 estimate [95% CI] | ${client} p99 |`,
  );
  lines.push('| --- | ---: | --- | ---: | --- | ---: | --- | ---: |');
  for (const s of summaries) {
    const cell = (k: 'p50' | 'p95' | 'p99') => {
      const e = s.sampled_latency_estimate[k];
      if (!e) return ['no traces', '–'];
      const mark = !e.ci_valid ? ' (too few for a 95% CI)' : e.client_inside ? ' ✓' : ' ✗ outside';
      return [`${f(e.estimate_ms, 2)} [${f(e.ci95_ms[0], 2)}, ${f(e.ci95_ms[1], 2)}]${mark}`, f(e.client_ms, 2)];
    };
    lines.push(`| ${s.label} | ${s.sampled_traces} | ${cell('p50').join(' | ')} | ${cell('p95').join(' | ')} | ${cell('p99').join(' | ')} |`);
  }
  lines.push(
    '',
    `Are the sampled requests typical? ${client}'s waiting time of the same round's 201 payments, split by the sampled flag of the gateway's traceresponse header;`,
    `and the traces against ${client} for the very requests they recorded (what a span cannot see: queueing before the server reads the request, the network).`,
    '',
    `| configuration | sampled / unsampled (${client}) | p50 sampled / unsampled ms | p95 sampled / unsampled ms | trace p50 − ${client} p50 of sampled ms |`,
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const s of summaries) {
    const { sampled, unsampled } = s.client_waiting_by_sampling;
    if (!sampled && !unsampled) continue;
    const pair = (k: 'p50' | 'p95') => `${sampled ? f(sampled[k], 2) : '–'} / ${unsampled ? f(unsampled[k], 2) : '–'}`;
    const gap = sampled && s.sampled_latency_estimate.p50 ? f(s.sampled_latency_estimate.p50.estimate_ms - sampled.p50, 2) : '–';
    lines.push(`| ${s.label} | ${sampled?.count ?? 0} / ${unsampled?.count ?? 0} | ${pair('p50')} | ${pair('p95')} | ${gap} |`);
  }
  lines.push(...metricsMarkdown(summaries, metricsCost, client));
  if (summaries.some((s) => s.max_throughput_rps !== undefined)) {
    const base = summaries[0]!.max_throughput_rps ?? NaN;
    lines.push(
      '',
      `Max throughput (p99 < ${meta.p99ObjectiveMs} ms, every arrival sent on time, < 0.1% errors):`,
      '',
      '| configuration | max req/s | × baseline |',
      '| --- | ---: | ---: |',
    );
    for (const s of summaries) lines.push(`| ${s.label} | ${s.max_throughput_rps ?? '–'} | ${f((s.max_throughput_rps ?? NaN) / base, 2)} |`);
  }
  lines.push('', 'Targets (reported, not asserted):', '', '| target | measured | met |', '| --- | --- | :---: |');
  for (const t of targets) {
    lines.push(`| ${t.target} | ${t.measured} | ${t.met === null ? '– (needs --max-throughput)' : t.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

/** The CPU columns of the per-part table, in the order the lab measures them (machine last). */
const partsOf = (summaries: ConfigSummary[]) => Object.keys(summaries[0]?.cpu_seconds ?? {});
