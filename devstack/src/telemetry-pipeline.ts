/** Prometheus, Jaeger and the OpenTelemetry Collector in front of them, as processes of the stack. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitForHttp, type ManagedProcess, type Owner } from './processes.js';
import { portVariables, ROOT, type PortName, type StackPorts } from './ports.js';
import { ensureTool } from './tools.js';
import { jaegerConfigArgs, traceStoreFrom, type TraceStoreKind } from './trace-store.js';
import { prometheusArgs } from './metrics-store.js';
import { startCollectorTier, type CollectorTier } from './collector-tier.js';

export interface TelemetryPipeline {
  /** Where the services send spans (OTLP/HTTP): OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint: string;
  /** Jaeger's query API (and UI, in the docker image). */
  jaegerUrl: string;
  /** The Collector's own metrics, Prometheus text format. */
  collectorMetricsUrl: string;
  /** Jaeger's own metrics (it is a Collector too): spans it accepted. */
  jaegerMetricsUrl: string;
  /** Prometheus's HTTP API: the services' metrics and the span metrics. */
  prometheusUrl: string;
  /** The ones running now (a restart replaces them); with a tier, `collector` is its router. */
  readonly collector: ManagedProcess;
  /** The Collector tier, when started with `collectors` (its samplers, their ring). */
  readonly tier: CollectorTier | undefined;
  readonly jaeger: ManagedProcess;
  readonly prometheus: ManagedProcess;
  /** Jaeger's trace store, and for Badger the folder it lives in. */
  traceStore: { kind: TraceStoreKind; dir: string | undefined };
  /** Restarts the Collector with extra environment (e.g. another pipeline). */
  restartCollector(env?: NodeJS.ProcessEnv): Promise<void>;
  /** Stops Jaeger (gracefully), runs `whileDown`, and starts Jaeger again on the same storage. */
  restartJaeger(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** Where the pipeline keeps its state: the Collector's sending queue, Jaeger's traces, Prometheus's series. */
export interface PipelineDataDirs {
  collectorQueue: string;
  jaegerBadger: string;
  prometheus: string;
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
  'prometheus',
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
    PROMETHEUS_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${ports.prometheus}/api/v1/otlp/v1/metrics`,
    JAEGER_PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
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
  onLine?: (name: 'prometheus' | 'jaeger' | 'otel-collector' | `otel-${string}`, line: string) => void;
  collectorEnv?: NodeJS.ProcessEnv;
  /**
   * Default (undefined): one Collector (otel-collector.yaml). A number: the Collector tier, a
   * router on the Collector's ports in front of that many tail-sampling Collectors
   * (telemetry/collector-tier/, docs/collector-tier.md).
   */
  collectors?: number;
  /**
   * Jaeger's environment on top of the rest: JAEGER_TRACE_STORAGE (memstore or badger; default
   * the process's own, else memstore), JAEGER_MAX_TRACES, JAEGER_TRACE_TTL, JAEGER_SELF_TRACING.
   */
  jaegerEnv?: NodeJS.ProcessEnv;
  /** Owns the pipeline from before the first spawn (its stop stops what runs); its stop cancels the start. */
  owner?: Owner;
}): Promise<TelemetryPipeline> {
  const { owner } = options;
  const cancel = owner ? { signal: owner.signal } : {};
  const traceStore = traceStoreFrom({ ...process.env, ...options.jaegerEnv });
  const temporaryDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'paytrace-telemetry-'));
  const dataDir = options.dataDir ?? temporaryDir!;
  const env = {
    ...process.env,
    ...pipelineEnv(options.ports, {
      collectorQueue: join(dataDir, 'otelcol-queue'),
      jaegerBadger: join(dataDir, 'jaeger'),
      prometheus: join(dataDir, 'prometheus'),
    }),
  };
  const jaegerBin = ensureTool('jaeger');
  const collectorBin = ensureTool('otelcol');
  const prometheusBin = ensureTool('prometheus');
  const lines = (name: 'prometheus' | 'jaeger' | 'otel-collector') =>
    options.onLine ? { onLine: (line: string) => options.onLine!(name, line) } : {};

  // What runs now, from the moment each is spawned: the pipeline's stop stops that.
  let prometheus: ManagedProcess | undefined;
  let jaeger: ManagedProcess | undefined;
  let collector: ManagedProcess | undefined;
  let tier: CollectorTier | undefined;
  const startPrometheus = async () => {
    owner?.signal.throwIfAborted();
    const proc = startProcess({
      name: 'prometheus',
      command: prometheusBin,
      args: prometheusArgs({ port: options.ports.prometheus, dataDir: join(dataDir, 'prometheus') }),
      env,
      ...lines('prometheus'),
    });
    prometheus = proc;
    await waitForHttp(`http://127.0.0.1:${options.ports.prometheus}/-/ready`, { process: proc, timeoutMs: 60_000, ...cancel });
  };
  const startJaeger = async () => {
    owner?.signal.throwIfAborted();
    const proc = startProcess({
      name: 'jaeger',
      command: jaegerBin,
      args: jaegerConfigArgs(traceStore),
      // Jaeger's own tracing is off in telemetry/jaeger.yaml (enable_tracing); these keep any other
      // OpenTelemetry SDK in it quiet too.
      env: { ...env, OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none', ...options.jaegerEnv },
      ...lines('jaeger'),
    });
    jaeger = proc;
    await waitForHttp(`http://127.0.0.1:${options.ports.jaegerHealth}/status`, { process: proc, timeoutMs: 60_000, ...cancel });
  };

  const startCollector = async (extra: NodeJS.ProcessEnv = {}) => {
    owner?.signal.throwIfAborted();
    if (options.collectors !== undefined) {
      tier = await startCollectorTier({
        collectorBin,
        env,
        ports: options.ports,
        dataDir,
        samplers: options.collectors,
        collectorEnv: { ...options.collectorEnv, ...extra },
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(owner ? { signal: owner.signal } : {}),
      });
      return;
    }
    const proc = startProcess({
      name: 'otel-collector',
      command: collectorBin,
      args: ['--config', join(ROOT, 'otel-collector.yaml')],
      env: { ...env, ...options.collectorEnv, ...extra },
      ...lines('otel-collector'),
    });
    collector = proc;
    await waitForHttp(`http://127.0.0.1:${options.ports.collectorHealth}/`, { process: proc, timeoutMs: 60_000, ...cancel });
  };

  const stop = async () => {
    // The Collector first, so it can hand what it holds to Jaeger.
    await collector?.stop();
    await tier?.stop();
    await jaeger?.stop();
    await prometheus?.stop();
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
  };
  owner?.add(stop);
  try {
    await startPrometheus();
    await startJaeger();
    await startCollector();
  } catch (err) {
    await stop();
    throw err;
  }

  const pipeline: TelemetryPipeline = {
    otlpEndpoint: `http://127.0.0.1:${options.ports.otlpHttp}`,
    jaegerUrl: `http://127.0.0.1:${options.ports.jaegerQuery}`,
    collectorMetricsUrl: `http://127.0.0.1:${options.ports.collectorMetrics}/metrics`,
    jaegerMetricsUrl: `http://127.0.0.1:${options.ports.jaegerMetrics}/metrics`,
    prometheusUrl: `http://127.0.0.1:${options.ports.prometheus}`,
    get jaeger() {
      return jaeger!;
    },
    get collector() {
      return tier ? tier.router : collector!;
    },
    get tier() {
      return tier;
    },
    get prometheus() {
      return prometheus!;
    },
    traceStore: { kind: traceStore, dir: traceStore === 'badger' ? env.JAEGER_BADGER_DIR : undefined },
    async restartCollector(extra) {
      await collector?.stop();
      await tier?.stop();
      await startCollector(extra);
    },
    async restartJaeger(whileDown) {
      await jaeger?.stop();
      await whileDown?.();
      await startJaeger();
    },
    stop,
  };
  return pipeline;
}
