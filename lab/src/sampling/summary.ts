/** A configuration's runs summarised into the figures sampling-lab.json holds: medians over rounds, ratios to the baseline, sampled estimates. */
import { SERVICES } from '@paytrace/devstack';
import type { LabConfig } from './configs.js';
import type { RunResult } from './measure.js';
import { median, quantileWithCi } from '@paytrace/trace-analysis';
import type { LabConfiguration } from '@paytrace/loadtest/sampling-lab-json';

/** A configuration's figures over its rounds (medians), and their ratios to the baseline. */
/** A configuration's summary, as sampling-lab.json holds it. */
export type ConfigSummary = LabConfiguration;

/** Median over runs of CPU µs per span (`cpu` seconds over `spans`), null when no run had spans. */
function perSpan(runs: RunResult[], cpu: (r: RunResult) => number, spans: (r: RunResult) => number): number | null {
  const values = runs.filter((r) => spans(r) > 0).map((r) => (cpu(r) * 1e6) / spans(r));
  return values.length ? +median(values).toFixed(1) : null;
}

/** Summarises a configuration's runs; `baseline` (the SDK-off summary) gives the ratios. */
export function summarise(config: LabConfig, runs: RunResult[], baseline?: ConfigSummary): ConfigSummary {
  const med = (f: (r: RunResult) => number) => +median(runs.map(f)).toFixed(3);
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(runs[0]!.cpuSeconds)) cpu[name] = med((r) => r.cpuSeconds[name]!);
  const cpuServices = +SERVICES.reduce((sum, s) => sum + (cpu[s] ?? 0), 0).toFixed(2);
  const perRequest = (pick: (r: RunResult) => number) => +median(runs.map((r) => (pick(r) * 1000) / Math.max(1, r.load.requests))).toFixed(3);
  const counted = (r: RunResult) => Object.entries(r.cpuSeconds).reduce((sum, [part, seconds]) => (part === 'machine' ? sum : sum + seconds), 0);
  // The round whose p50 is the median one stands for the configuration in the estimate.
  const representative = [...runs].sort((a, b) => a.load.p50 - b.load.p50)[Math.floor(runs.length / 2)]!;
  const estimate: ConfigSummary['sampled_latency_estimate'] = { p50: null, p95: null, p99: null };
  for (const [key, q] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const) {
    const ci = quantileWithCi(representative.sampledDurationsMs, q);
    const truth = representative.load.waiting[key];
    estimate[key] = ci
      ? {
          estimate_ms: +ci.estimate.toFixed(2),
          ci95_ms: [+ci.low.toFixed(2), +ci.high.toFixed(2)],
          ci_valid: ci.valid,
          client_ms: +truth.toFixed(2),
          client_inside: truth >= ci.low && truth <= ci.high,
        }
      : null;
  }
  const summary: ConfigSummary = {
    id: config.id,
    label: config.label,
    sdk_sampling_ratio: config.sdkRatio,
    rounds: runs.length,
    achieved_rps: med((r) => r.load.achievedRps),
    latency_ms: { p50: med((r) => r.load.p50), p95: med((r) => r.load.p95), p99: med((r) => r.load.p99) },
    error_rate: med((r) => r.load.errorRate),
    dropped_iterations: med((r) => r.load.droppedIterations),
    cpu_seconds: cpu,
    cpu_seconds_services: cpuServices,
    cpu_ms_per_request: {
      services: perRequest((r) => SERVICES.reduce((sum, s) => sum + (r.cpuSeconds[s] ?? 0), 0)),
      counted: perRequest(counted),
      machine: perRequest((r) => r.cpuSeconds.machine ?? 0),
    },
    cpu_ms_per_request_by_part: Object.fromEntries(Object.keys(cpu).map((part) => [part, perRequest((r) => r.cpuSeconds[part] ?? 0)])),
    spans: {
      sdk_dropped: med((r) => r.sdkDroppedSpans),
      collector_accepted: med((r) => r.collector.acceptedSpans),
      collector_refused: med((r) => r.collector.refusedSpans),
      collector_sent: med((r) => r.collector.sentSpans),
      collector_send_failed: med((r) => r.collector.sendFailedSpans),
      jaeger_accepted: med((r) => r.jaeger.acceptedSpans),
    },
    traces_stored: med((r) => r.jaeger.traces),
    cpu_us_per_span: {
      collector: perSpan(
        runs,
        (r) => r.cpuSeconds['otel-collector'] ?? 0,
        (r) => r.collector.acceptedSpans,
      ),
      jaeger: perSpan(
        runs,
        (r) => r.cpuSeconds.jaeger ?? 0,
        (r) => r.jaeger.acceptedSpans,
      ),
    },
    sampled_latency_estimate: estimate,
    sdk_metrics: config.sdkRatio !== null && config.serviceEnv.OTEL_METRICS_EXPORTER !== 'none',
    ...(config.baseId ? { base_id: config.baseId } : {}),
    ...(representative.metrics ? { metric_estimates: representative.metrics } : {}),
    sampled_traces: representative.sampledDurationsMs.length,
    client_waiting_by_sampling: representative.load.waitingBySampling,
    ratio_to_baseline: {
      achieved_rps: 1,
      p50: 1,
      p95: 1,
      p99: 1,
      cpu_seconds_services: 1,
      cpu_ms_per_request: { services: 1, counted: 1, machine: 1 },
    },
  };
  if (baseline) {
    const r = (a: number, b: number) => (b > 0 ? +(a / b).toFixed(3) : NaN);
    summary.ratio_to_baseline = {
      achieved_rps: r(summary.achieved_rps, baseline.achieved_rps),
      p50: r(summary.latency_ms.p50, baseline.latency_ms.p50),
      p95: r(summary.latency_ms.p95, baseline.latency_ms.p95),
      p99: r(summary.latency_ms.p99, baseline.latency_ms.p99),
      cpu_seconds_services: r(summary.cpu_seconds_services, baseline.cpu_seconds_services),
      cpu_ms_per_request: {
        services: r(summary.cpu_ms_per_request.services, baseline.cpu_ms_per_request.services),
        counted: r(summary.cpu_ms_per_request.counted, baseline.cpu_ms_per_request.counted),
        machine: r(summary.cpu_ms_per_request.machine, baseline.cpu_ms_per_request.machine),
      },
    };
  }
  return summary;
}
