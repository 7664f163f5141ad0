import { SERVICES } from '../services.js';
import type { LabConfig } from './configs.js';
import type { WaitingStats } from './k6.js';
import type { RunResult } from './run.js';
import { median, quantileWithCi } from './statistics.js';

/** A configuration's figures over its rounds (medians), and their ratios to the baseline. */
export interface ConfigSummary {
  id: string;
  label: string;
  sdk_sampling_ratio: number | null;
  rounds: number;
  achieved_rps: number;
  latency_ms: { p50: number; p95: number; p99: number };
  error_rate: number;
  dropped_iterations: number;
  /** Per part of the stack (process trees), k6, and `machine`: every core's busy time, whoever used it. */
  cpu_seconds: Record<string, number>;
  cpu_seconds_services: number;
  /** CPU milliseconds per request k6 made: the four services; everything the lab counts (services, Postgres, stripe-mock, Collector, Jaeger, k6); the machine. */
  cpu_ms_per_request: { services: number; counted: number; machine: number };
  /** CPU milliseconds per request of each part, as in cpu_seconds. */
  cpu_ms_per_request_by_part: Record<string, number>;
  spans: {
    sdk_dropped: number;
    collector_accepted: number;
    collector_refused: number;
    collector_sent: number;
    collector_send_failed: number;
    jaeger_accepted: number;
  };
  traces_stored: number;
  /** From the stored traces of one round (the median one), against k6's waiting time of that round. */
  sampled_latency_estimate: Record<
    'p50' | 'p95' | 'p99',
    { estimate_ms: number; ci95_ms: [number, number]; ci_valid: boolean; k6_ms: number; k6_inside: boolean } | null
  >;
  sampled_traces: number;
  /** k6's waiting time (median round) of the payments the stack sampled and of those it did not. */
  k6_waiting_by_sampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  ratio_to_baseline: {
    achieved_rps: number;
    p50: number;
    p95: number;
    p99: number;
    cpu_seconds_services: number;
    cpu_ms_per_request: { services: number; counted: number; machine: number };
  };
  max_throughput_rps?: number;
}

/** Summarises a configuration's runs; `baseline` (the SDK-off summary) gives the ratios. */
export function summarise(config: LabConfig, runs: RunResult[], baseline?: ConfigSummary): ConfigSummary {
  const med = (f: (r: RunResult) => number) => +median(runs.map(f)).toFixed(3);
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(runs[0]!.cpuSeconds)) cpu[name] = med((r) => r.cpuSeconds[name]!);
  const cpuServices = +SERVICES.reduce((sum, s) => sum + (cpu[s] ?? 0), 0).toFixed(2);
  const perRequest = (pick: (r: RunResult) => number) => +median(runs.map((r) => (pick(r) * 1000) / Math.max(1, r.k6.requests))).toFixed(3);
  const counted = (r: RunResult) => Object.entries(r.cpuSeconds).reduce((sum, [part, seconds]) => (part === 'machine' ? sum : sum + seconds), 0);
  // The round whose k6 p50 is the median one stands for the configuration in the estimate.
  const representative = [...runs].sort((a, b) => a.k6.p50 - b.k6.p50)[Math.floor(runs.length / 2)]!;
  const estimate: ConfigSummary['sampled_latency_estimate'] = { p50: null, p95: null, p99: null };
  for (const [key, q] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const) {
    const ci = quantileWithCi(representative.sampledDurationsMs, q);
    const truth = representative.k6.waiting[key];
    estimate[key] = ci
      ? {
          estimate_ms: +ci.estimate.toFixed(2),
          ci95_ms: [+ci.low.toFixed(2), +ci.high.toFixed(2)],
          ci_valid: ci.valid,
          k6_ms: +truth.toFixed(2),
          k6_inside: truth >= ci.low && truth <= ci.high,
        }
      : null;
  }
  const summary: ConfigSummary = {
    id: config.id,
    label: config.label,
    sdk_sampling_ratio: config.sdkRatio,
    rounds: runs.length,
    achieved_rps: med((r) => r.k6.achievedRps),
    latency_ms: { p50: med((r) => r.k6.p50), p95: med((r) => r.k6.p95), p99: med((r) => r.k6.p99) },
    error_rate: med((r) => r.k6.errorRate),
    dropped_iterations: med((r) => r.k6.droppedIterations),
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
    sampled_latency_estimate: estimate,
    sampled_traces: representative.sampledDurationsMs.length,
    k6_waiting_by_sampling: representative.k6.waitingBySampling,
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
