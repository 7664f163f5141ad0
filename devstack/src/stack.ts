import { startFaultProxies, type FaultProxies } from './faults/fault-proxies.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { startPostgres, type PostgresHandle } from './postgres.js';
import type { StackPorts } from './ports.js';
import type { ManagedProcess } from './processes.js';
import { resetData } from './reset-data.js';
import { SERVICES, startServices, type RunningServices, type ServiceName, type ServicesOptions } from './services.js';
import { startStripeMock } from './stripe-mock.js';
import { startTelemetryPipeline, type TelemetryPipeline } from './telemetry-pipeline.js';

/** Output of the stack's parts, line by line; `source` is e.g. `postgres`, `jaeger`, `gateway`. */
export type LineSink = (source: string, line: string) => void;

export interface StackOptions {
  /** stackPorts() for `npm run stack`, `await freeStackPorts()` for a private stack. */
  ports: StackPorts;
  /** A Postgres of ours in `dataDir` (`fresh`: a brand-new cluster), or yours at `url`. */
  postgres: { dataDir: string; fresh?: boolean } | { url: string };
  /** Put every service's tables back to the seed data once Postgres is up. */
  resetData?: boolean;
  /** Delay every Stripe answer by this much (a proxy in front of stripe-mock), like a real card network. */
  stripeLatencyMs?: number;
  /**
   * The bottleneck detective's fault switches, read from `flagFile` (a flagd file): the services
   * read it through OpenFeature, and proxies in front of stripe-mock and Postgres (one per service)
   * play the faults of the world outside paytrace. Default: none, nothing between the parts.
   */
  faults?: { flagFile: string };
  /**
   * Jaeger and the Collector (`dataDir`: kept between runs; default a temporary folder;
   * `jaegerEnv`: e.g. JAEGER_TRACE_STORAGE, see startTelemetryPipeline); false: none.
   */
  telemetry?: false | { dataDir?: string; collectorEnv?: NodeJS.ProcessEnv; jaegerEnv?: NodeJS.ProcessEnv };
  /** Start the four services too, with these settings. */
  services?: StackServicesOptions;
  /** Default: the output is dropped. */
  onLine?: LineSink;
}

/** How the four services run against a stack; ports, database and Stripe come from the stack. */
export type StackServicesOptions = Omit<ServicesOptions, 'ports' | 'databaseUrl' | 'stripeApiBase'> & {
  ports?: Record<ServiceName, number>;
};

export interface Stack {
  ports: StackPorts;
  databaseUrl: string;
  /** Where the services reach Stripe: stripe-mock, or the latency proxy in front of it. */
  stripeApiBase: string;
  /** The fault switches' flag file and proxies, when started with `faults`. */
  faults: (FaultProxies & { flagFile: string }) | undefined;
  /** Ours; undefined with your own Postgres. */
  postgres: PostgresHandle | undefined;
  stripeMock: ManagedProcess;
  pipeline: TelemetryPipeline | undefined;
  services: RunningServices | undefined;
  /** Starts (another set of) the four services against this stack. */
  startServices(options?: StackServicesOptions): Promise<RunningServices>;
  /** Every long-running process of the stack, for watching that none ends. */
  processes(): ManagedProcess[];
  /** Stops everything started, the edge first, Postgres last. */
  stop(): Promise<void>;
}

/**
 * paytrace on this machine, natively, in dependency order: Postgres → stripe-mock → Jaeger → the
 * OpenTelemetry Collector → auth, balance, payments → gateway. On failure, what did start is
 * stopped again before the error is thrown.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const onLine: LineSink = options.onLine ?? (() => undefined);
  const sink = (source: string) => (line: string) => onLine(source, line);
  const { ports } = options;
  const started: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    started.length = 0;
  };

  try {
    let postgres: PostgresHandle | undefined;
    let databaseUrl: string;
    if ('url' in options.postgres) {
      databaseUrl = options.postgres.url;
    } else {
      postgres = await startPostgres({
        dataDir: options.postgres.dataDir,
        port: ports.postgres,
        reset: options.postgres.fresh ?? false,
        log: sink('postgres'),
      });
      started.push(() => postgres!.stop());
      databaseUrl = postgres.url;
    }
    if (options.resetData) await resetData(databaseUrl);

    const stripeMock = await startStripeMock({ port: ports.stripeMock, onLine: sink('stripe-mock') });
    started.push(() => stripeMock.stop());
    let stripeApiBase = `http://127.0.0.1:${ports.stripeMock}`;
    let faults: Stack['faults'];
    let faultEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {};
    if (options.faults) {
      const { flagFile } = options.faults;
      const proxies = await startFaultProxies({
        flagFile,
        stripeMockPort: ports.stripeMock,
        databaseUrl,
        baseStripeLatencyMs: options.stripeLatencyMs ?? 0,
      });
      started.push(() => proxies.close());
      faults = { ...proxies, flagFile };
      stripeApiBase = proxies.stripeApiBase;
      const flagd = { FLAGD_RESOLVER: 'in-process', FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile };
      faultEnv = {
        gateway: flagd,
        auth: { ...flagd, DATABASE_URL: proxies.databaseUrls.auth },
        balance: { ...flagd, DATABASE_URL: proxies.databaseUrls.balance },
        payments: { ...flagd, DATABASE_URL: proxies.databaseUrls.payments },
      };
    } else if (options.stripeLatencyMs) {
      // stripe-mock answers in ~1 ms; a real card network takes hundreds.
      const proxy: LatencyProxy = await startLatencyProxy({ targetPort: ports.stripeMock, latencyMs: options.stripeLatencyMs });
      started.push(() => proxy.close());
      stripeApiBase = `http://127.0.0.1:${proxy.port}`;
    }

    let pipeline: TelemetryPipeline | undefined;
    if (options.telemetry !== false) {
      const telemetry = options.telemetry ?? {};
      pipeline = await startTelemetryPipeline({
        ports,
        ...(telemetry.dataDir ? { dataDir: telemetry.dataDir } : {}),
        ...(telemetry.collectorEnv ? { collectorEnv: telemetry.collectorEnv } : {}),
        ...(telemetry.jaegerEnv ? { jaegerEnv: telemetry.jaegerEnv } : {}),
        onLine: (name, line) => onLine(name, line),
      });
      started.push(() => pipeline!.stop());
    }

    const serviceSets: RunningServices[] = [];
    const stack: Stack = {
      ports,
      databaseUrl,
      stripeApiBase,
      faults,
      postgres,
      stripeMock,
      pipeline,
      services: undefined,
      async startServices(serviceOptions = {}) {
        const { ports: servicePorts, env, envFor, ...rest } = serviceOptions;
        const running = await startServices({
          onLine: (service, line) => onLine(service, line),
          ...rest,
          envFor: Object.fromEntries(SERVICES.map((s) => [s, { ...faultEnv[s], ...envFor?.[s] }])),
          ports: servicePorts ?? (Object.fromEntries(SERVICES.map((s) => [s, ports[s]])) as Record<ServiceName, number>),
          databaseUrl,
          stripeApiBase,
          env: { ...(pipeline ? { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint } : {}), ...env },
        });
        serviceSets.push(running);
        return running;
      },
      processes: () => [
        stripeMock,
        ...(pipeline ? [pipeline.jaeger, pipeline.collector] : []),
        ...serviceSets.flatMap((set) => [...set.processes.values()]),
      ],
      async stop() {
        for (const set of serviceSets.splice(0)) await set.stop();
        await stopAll();
      },
    };
    if (options.services) stack.services = await stack.startServices(options.services);
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
