/**
 * What `npm run bench:collector` runs, each part of the compose `scale` profile that can run
 * natively (docs/scale.md): the configuration files compose runs, with addresses and ports of this
 * machine. Kafka, the ingester and OpenSearch do not run here; where a Collector writes Kafka in
 * compose, here it writes OTLP to a sink (a Collector that drops what it gets).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { jaegerConfigArgs, ROOT } from '@paytrace/devstack';

/** The ports of one measured process and of the sink behind it. */
export interface BenchPorts {
  otlpGrpc: number;
  otlpHttp: number;
  health: number;
  metrics: number;
  sinkGrpc: number;
  sinkHttp: number;
  sinkHealth: number;
  sinkMetrics: number;
  query: number;
  queryGrpc: number;
  pprof: number;
}

export interface BenchVariant {
  name: string;
  /** What it is, for the report. */
  what: string;
  tool: 'otelcol' | 'jaeger';
  /** Whether spans go on to a sink (a Collector; Jaeger keeps them itself). */
  sink: boolean;
  args: (dir: string, ports: BenchPorts) => string[];
  env: (dir: string, ports: BenchPorts) => Record<string, string>;
  /** The process's health endpoint, once it is up. */
  healthUrl: (ports: BenchPorts) => string;
}

const collectorEnv = (dir: string, p: BenchPorts): Record<string, string> => ({
  OTELCOL_OTLP_GRPC_PORT: String(p.otlpGrpc),
  OTELCOL_OTLP_HTTP_PORT: String(p.otlpHttp),
  OTELCOL_HEALTH_PORT: String(p.health),
  OTELCOL_METRICS_PORT: String(p.metrics),
  OTELCOL_QUEUE_DIR: join(dir, 'queue'),
  JAEGER_OTLP_ENDPOINT: `127.0.0.1:${p.sinkGrpc}`,
  PROMETHEUS_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${p.sinkHttp}/v1/metrics`,
  OTELCOL_LOG_LEVEL: 'warn',
});
const collectorHealth = (p: BenchPorts) => `http://127.0.0.1:${p.health}/`;
const config = (file: string) => join(ROOT, file);

/** telemetry/scale/sampling.yaml with its Kafka exporter swapped for OTLP to the sink. */
function samplingWithoutKafka(dir: string, p: BenchPorts): string {
  const sampling = parse(readFileSync(config('telemetry/scale/sampling.yaml'), 'utf8'));
  sampling.exporters = { 'otlp_grpc/sink': { endpoint: `127.0.0.1:${p.sinkGrpc}`, tls: { insecure: true } } };
  sampling.service.pipelines.traces.exporters = ['otlp_grpc/sink'];
  const file = join(dir, 'sampling-to-sink.yaml');
  writeFileSync(file, stringify(sampling));
  return file;
}

const jaegerVariant = (kind: 'memstore' | 'badger'): BenchVariant => ({
  name: `jaeger-${kind}`,
  what: `Jaeger v2.13.0, telemetry/jaeger.yaml + trace-store/${kind}.yaml (OTLP in, stored)`,
  tool: 'jaeger',
  sink: false,
  args: () => jaegerConfigArgs(kind),
  env: (dir, p) => {
    mkdirSync(join(dir, 'badger'), { recursive: true });
    return {
      JAEGER_OTLP_GRPC_PORT: String(p.otlpGrpc),
      JAEGER_OTLP_HTTP_PORT: String(p.otlpHttp),
      JAEGER_HEALTH_PORT: String(p.health),
      JAEGER_METRICS_PORT: String(p.metrics),
      JAEGER_QUERY_PORT: String(p.query),
      JAEGER_QUERY_GRPC_PORT: String(p.queryGrpc),
      JAEGER_PPROF_PORT: String(p.pprof),
      JAEGER_BADGER_DIR: join(dir, 'badger'),
      JAEGER_LOG_LEVEL: 'warn',
    };
  },
  healthUrl: (p) => `http://127.0.0.1:${p.health}/status`,
});

export const BENCH_VARIANTS: BenchVariant[] = [
  {
    name: 'single',
    what: 'one Collector, otel-collector.yaml as `npm run stack` runs it (span metrics, no sampling)',
    tool: 'otelcol',
    sink: true,
    args: () => ['--config', config('otel-collector.yaml')],
    env: collectorEnv,
    healthUrl: collectorHealth,
  },
  {
    name: 'routing',
    what: 'the routing tier: otel-collector.yaml + telemetry/scale/routing.yaml (span metrics, load_balancing by trace id)',
    tool: 'otelcol',
    sink: true,
    // The resolver's name and port are the sink's (in compose: otel-sampler, on the port of stack.env).
    args: (_dir, p) => [
      '--config',
      config('otel-collector.yaml'),
      '--config',
      config('telemetry/scale/routing.yaml'),
      `--set=exporters::loadbalancing/samplers::resolver::dns::port="${p.sinkGrpc}"`,
    ],
    env: (dir, p) => ({ ...collectorEnv(dir, p), OTELCOL_SAMPLERS_HOST: '127.0.0.1' }),
    healthUrl: collectorHealth,
  },
  {
    name: 'sampling',
    what: 'a tail-sampling Collector: telemetry/scale/sampling.yaml, OTLP to a sink instead of Kafka',
    tool: 'otelcol',
    sink: true,
    args: (dir, p) => ['--config', samplingWithoutKafka(dir, p)],
    env: collectorEnv,
    healthUrl: collectorHealth,
  },
  jaegerVariant('memstore'),
  jaegerVariant('badger'),
];

/** The sink: OTLP in, dropped (the debug exporter, silent), so the measured process never waits on it. */
export function writeSinkConfig(dir: string, p: BenchPorts): string {
  const file = join(dir, 'sink.yaml');
  const sink = {
    extensions: { health_check: { endpoint: `127.0.0.1:${p.sinkHealth}` } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${p.sinkGrpc}` }, http: { endpoint: `127.0.0.1:${p.sinkHttp}` } } } },
    exporters: { debug: { verbosity: 'basic' } },
    service: {
      extensions: ['health_check'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] }, metrics: { receivers: ['otlp'], exporters: ['debug'] } },
      telemetry: {
        logs: { level: 'warn' },
        metrics: { level: 'none' },
      },
    },
  };
  writeFileSync(file, stringify(sink));
  return file;
}
