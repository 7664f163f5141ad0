import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitForHttp, type ManagedProcess } from './processes.js';
import { portVariables, ROOT, type PortName, type StackPorts } from './ports.js';
import { ensureTool } from './tools.js';
import { jaegerConfigArgs, traceStoreFrom, type TraceStoreKind } from './trace-store.js';

export interface TelemetryPipeline {
  /** Where the services send spans (OTLP/HTTP): OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint: string;
  /** Jaeger's query API (and UI, in the docker image). */
  jaegerUrl: string;
  /** The Collector's own metrics, Prometheus text format. */
  collectorMetricsUrl: string;
  /** Jaeger's own metrics (it is a Collector too): spans it accepted. */
  jaegerMetricsUrl: string;
  collector: ManagedProcess;
  jaeger: ManagedProcess;
  /** Jaeger's trace store, and for Badger the folder it lives in. */
  traceStore: { kind: TraceStoreKind; dir: string | undefined };
  /** Restarts the Collector with extra environment (e.g. another pipeline). */
  restartCollector(env?: NodeJS.ProcessEnv): Promise<void>;
  /** Stops Jaeger (gracefully), runs `whileDown`, and starts Jaeger again on the same storage. */
  restartJaeger(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Where the pipeline keeps its state: the Collector's sending queue and Jaeger's traces. */
export interface PipelineDataDirs {
  collectorQueue: string;
  jaegerBadger: string;
}

/** The ports the Collector and Jaeger listen on (the rest of the stack's ports are not theirs). */
const TELEMETRY_PORTS = [
  'otlpGrpc',
  'otlpHttp',
  'collectorHealth',
  'collectorMetrics',
  'jaegerOtlpGrpc',
  'jaegerOtlpHttp',
  'jaegerQuery',
  'jaegerQueryGrpc',
  'jaegerHealth',
  'jaegerMetrics',
  'jaegerPprof',
] as const satisfies readonly PortName[];
export type TelemetryPorts = Pick<StackPorts, (typeof TELEMETRY_PORTS)[number]>;

/** The environment that points otel-collector.yaml and telemetry/jaeger.yaml at these ports and directories. */
export function pipelineEnv(ports: TelemetryPorts, dataDirs: PipelineDataDirs): NodeJS.ProcessEnv {
  return {
    ...portVariables(Object.fromEntries(TELEMETRY_PORTS.map((name) => [name, ports[name]]))),
    OTELCOL_QUEUE_DIR: dataDirs.collectorQueue,
    JAEGER_BADGER_DIR: dataDirs.jaegerBadger,
    OTELCOL_BIND_HOST: '127.0.0.1',
    JAEGER_BIND_HOST: '127.0.0.1',
    JAEGER_OTLP_ENDPOINT: `127.0.0.1:${ports.jaegerOtlpGrpc}`,
  };
}

/**
 * Jaeger, then the OpenTelemetry Collector in front of it: the real binaries built by
 * scripts/install-tools.sh, on the same configuration files docker compose uses.
 */
export async function startTelemetryPipeline(options: {
  ports: TelemetryPorts;
  /** Kept between runs (`npm run stack`); default: a temporary folder, removed at stop. */
  dataDir?: string;
  onLine?: (name: 'jaeger' | 'otel-collector', line: string) => void;
  collectorEnv?: NodeJS.ProcessEnv;
  /**
   * Jaeger's environment on top of the rest: JAEGER_TRACE_STORAGE (memstore or badger; default
   * the process's own, else memstore), JAEGER_MAX_TRACES, JAEGER_TRACE_TTL, JAEGER_SELF_TRACING.
   */
  jaegerEnv?: NodeJS.ProcessEnv;
}): Promise<TelemetryPipeline> {
  const traceStore = traceStoreFrom({ ...process.env, ...options.jaegerEnv });
  const temporaryDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'paytrace-telemetry-'));
  const dataDir = options.dataDir ?? temporaryDir!;
  const env = {
    ...process.env,
    ...pipelineEnv(options.ports, { collectorQueue: join(dataDir, 'otelcol-queue'), jaegerBadger: join(dataDir, 'jaeger') }),
  };
  const jaegerBin = ensureTool('jaeger');
  const collectorBin = ensureTool('otelcol');
  const lines = (name: 'jaeger' | 'otel-collector') => (options.onLine ? { onLine: (line: string) => options.onLine!(name, line) } : {});

  const startJaeger = async () => {
    const proc = startProcess({
      name: 'jaeger',
      command: jaegerBin,
      args: jaegerConfigArgs(traceStore),
      // Jaeger's own tracing is off in telemetry/jaeger.yaml (enable_tracing); these keep any other
      // OpenTelemetry SDK in it quiet too.
      env: { ...env, OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none', ...options.jaegerEnv },
      ...lines('jaeger'),
    });
    await waitForHttp(`http://127.0.0.1:${options.ports.jaegerHealth}/status`, { process: proc, timeoutMs: 60_000 });
    return proc;
  };

  const startCollector = async (extra: NodeJS.ProcessEnv = {}) => {
    const proc = startProcess({
      name: 'otel-collector',
      command: collectorBin,
      args: ['--config', join(ROOT, 'otel-collector.yaml')],
      env: { ...env, ...options.collectorEnv, ...extra },
      ...lines('otel-collector'),
    });
    await waitForHttp(`http://127.0.0.1:${options.ports.collectorHealth}/`, { process: proc, timeoutMs: 60_000 });
    return proc;
  };

  const pipeline: TelemetryPipeline = {
    otlpEndpoint: `http://127.0.0.1:${options.ports.otlpHttp}`,
    jaegerUrl: `http://127.0.0.1:${options.ports.jaegerQuery}`,
    collectorMetricsUrl: `http://127.0.0.1:${options.ports.collectorMetrics}/metrics`,
    jaegerMetricsUrl: `http://127.0.0.1:${options.ports.jaegerMetrics}/metrics`,
    jaeger: await startJaeger(),
    collector: await startCollector(),
    traceStore: { kind: traceStore, dir: traceStore === 'badger' ? env.JAEGER_BADGER_DIR : undefined },
    async restartCollector(extra) {
      await pipeline.collector.stop();
      pipeline.collector = await startCollector(extra);
    },
    async restartJaeger(whileDown) {
      await pipeline.jaeger.stop();
      await whileDown?.();
      pipeline.jaeger = await startJaeger();
    },
    async stop() {
      // The Collector first, so it can hand what it holds to Jaeger.
      await pipeline.collector.stop();
      await pipeline.jaeger.stop();
      if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    },
  };
  return pipeline;
}
