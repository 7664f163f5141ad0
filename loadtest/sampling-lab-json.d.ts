// Types of sampling-lab.json, the sampling lab's result file (its fields are described in
// loadtest/README.md): written by @paytrace/lab, read by the web UI's /lab page.

/** The program that drove the load: Vegeta (installed by the project) or a k6 the user brought. */
export type GeneratorName = 'vegeta' | 'k6';

/** A client's waiting time over some requests, ms. */
export interface WaitingStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LabMeta {
  rate: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  quick: boolean;
  p99ObjectiveMs: number;
  /** The program that drove the load and measured the latency. */
  generator: GeneratorName;
  created: string;
  machine: { cpus: number; node: string };
}

export interface LabConfiguration {
  id: string;
  label: string;
  sdk_sampling_ratio: number | null;
  rounds: number;
  /** The load generator: requests per second actually sent. */
  achieved_rps: number;
  latency_ms: { p50: number; p95: number; p99: number };
  error_rate: number;
  /** Arrivals the generator could not send on time (k6: dropped iterations; Vegeta: sent over 100 ms late, or never). */
  dropped_iterations: number;
  /** Per part of the stack (process trees), the load generator, and `machine`: every core's busy time, whoever used it. */
  cpu_seconds: Record<string, number>;
  cpu_seconds_services: number;
  /** CPU milliseconds per request sent: the four services; everything the lab counts (services, Postgres, stripe-mock, Collector, Jaeger, the load generator); the machine. */
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
  /**
   * CPU microseconds per span (medians over rounds) of the telemetry pipeline: the Collector's per
   * span it accepted, Jaeger's (the trace store's) per span it stored. Null without spans; the
   * services' cost is per request (cpu_ms_per_request), since most of it is not per span.
   * (Absent from runs made before it was reported.)
   */
  cpu_us_per_span?: { collector: number | null; jaeger: number | null };
  /** From the stored traces of one round (the median one), against the client's waiting time of that round. */
  sampled_latency_estimate: Record<
    'p50' | 'p95' | 'p99',
    { estimate_ms: number; ci95_ms: [number, number]; ci_valid: boolean; client_ms: number; client_inside: boolean } | null
  >;
  sampled_traces: number;
  /** The client's waiting time (median round) of the payments the stack sampled and of those it did not. */
  client_waiting_by_sampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  ratio_to_baseline: {
    achieved_rps: number;
    p50: number;
    p95: number;
    p99: number;
    cpu_seconds_services: number;
    cpu_ms_per_request: { services: number; counted: number; machine: number };
  };
  max_throughput_rps?: number;
  /** false when the services ran without SDK metrics (SDK off, or OTEL_METRICS_EXPORTER=none). (Absent from older runs.) */
  sdk_metrics?: boolean;
  /** A --variant's configuration: the one it adds environment to (its A/B partner). */
  base_id?: string;
  /** The gateway's POST /process-payment as the metrics tell it (the median round), beside the load generator's truth. (Absent from older runs.) */
  metric_estimates?: MetricEstimates;
}

/** An estimate with its 95% interval, held against the truth. */
export interface EstimateVsTruth {
  estimate: number;
  /** [low, high]; high may be null: unbounded (too few sampled for that side). */
  ci95: [number, number | null];
  /** The load generator's figure; null when it has none (k6). */
  truth: number | null;
  /** (estimate − truth) / truth. */
  error_rel: number | null;
  truth_inside: boolean | null;
}

/** One source's view of one round's measured window. */
export interface MetricSourceEstimate {
  /** 1 for the SDK's metrics (every request); the SDK's sampling probability for span metrics. */
  sampling_probability: number;
  /** Requests the source actually saw: every one, or the k sampled spans. */
  seen: number;
  requests: EstimateVsTruth;
  rate_rps: EstimateVsTruth;
  /** Share of 5xx answers. */
  error_rate: EstimateVsTruth;
  /** Latency quantiles, ms, server side (the truth is the client's round trip: a little longer). Null: no histogram. */
  p50_ms: EstimateVsTruth | null;
  p95_ms: EstimateVsTruth | null;
  p99_ms: EstimateVsTruth | null;
}

export interface MetricEstimates {
  /** Seconds of the measured window (the rate's denominator). */
  window_s: number;
  /** null: no data from that source (SDK off or metrics off; span metrics at ratio 0): no estimate, not 0. */
  sdk: MetricSourceEstimate | null;
  span: MetricSourceEstimate | null;
}

/** Services' CPU per request with and without SDK metrics: a configuration and its --variant with OTEL_METRICS_EXPORTER=none. */
export interface MetricsCost {
  with_metrics: string;
  without_metrics: string;
  cpu_ms_per_request_services: { with_metrics: number; without_metrics: number; ratio: number };
  cpu_ms_per_request_counted: { with_metrics: number; without_metrics: number; ratio: number };
}

/** One of the lesson's targets, held against this run. */
export interface LabTarget {
  target: string;
  measured: string;
  /** null: this run did not measure it. */
  met: boolean | null;
}

/** The whole file. Its `runs` (each round of each configuration, without raw durations) are not typed here. */
export interface SamplingLabJson {
  meta: LabMeta;
  configurations: LabConfiguration[];
  targets: LabTarget[];
  /** Present when the run A/B-ed metrics off (a --variant with OTEL_METRICS_EXPORTER=none). */
  metrics_cost?: MetricsCost[];
  runs: Record<string, unknown>[];
}
