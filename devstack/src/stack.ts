/** startStack: the whole paytrace stack on this machine, in dependency order, and its one stop, whenever it comes. */
import { startFaultProxies, type FaultProxies } from './fault-proxies.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { startPostgres, type PostgresHandle } from './postgres.js';
import type { StackPorts } from './ports.js';
import { Lifetime, waitForHttp, type ManagedProcess } from './processes.js';
import { resetData } from './reset-data.js';
import { SERVICES, startServices, type RunningServices, type ServiceName, type ServicesOptions } from './services.js';
import { startStripeMock } from './stripe-mock.js';
import { startTelemetryPipeline, type TelemetryPipeline } from './telemetry-pipeline.js';
import { startUi, type RunningUi, type StartUiOptions } from './ui.js';

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
   * `jaegerEnv`: e.g. JAEGER_TRACE_STORAGE; `collectors`: the Collector tier with that many
   * tail-sampling Collectors; see startTelemetryPipeline); false: none.
   */
  telemetry?: false | { dataDir?: string; collectorEnv?: NodeJS.ProcessEnv; jaegerEnv?: NodeJS.ProcessEnv; collectors?: number };
  /** Start the four services too, with these settings. */
  services?: StackServicesOptions;
  /** paytrace's web UI on `ports.ui` too, last: once the gateway is ready. */
  ui?: StackUiOptions;
  /**
   * Stops the stack when aborted, at any moment: while it starts, startStack stops what it has
   * started (also what is still starting), starts nothing more, and then rejects with the signal's
   * reason; once it runs, as stop() does.
   */
  signal?: AbortSignal;
  /** Default: the output is dropped. */
  onLine?: LineSink;
}

/** The UI of a stack: it reads the pipeline's Jaeger and Prometheus (or the ones at `jaegerUrl` and `prometheusUrl`, e.g. without a pipeline). */
export type StackUiOptions = Omit<StartUiOptions, 'port' | 'jaegerUrl' | 'onLine' | 'owner'> & { jaegerUrl?: string };

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
  /** The web UI, when started with `ui`. */
  ui: RunningUi | undefined;
  /** Starts (another set of) the four services against this stack; the stack's stop stops them too. */
  startServices(options?: StackServicesOptions): Promise<RunningServices>;
  /** Every long-running process of the stack, for watching that none ends. */
  processes(): ManagedProcess[];
  /**
   * Stops everything started, the last started first (the UI, the services with the gateway first,
   * the Collector, Jaeger, Prometheus, the proxies, stripe-mock), Postgres last; resolves when all of it is gone.
   * Safe at any moment and any number of times (one stop): a startServices under way stops too.
   */
  stop(): Promise<void>;
}

/**
 * paytrace on this machine, natively, in dependency order: Postgres → stripe-mock → Prometheus → Jaeger → the
 * OpenTelemetry Collector → auth, balance, payments → gateway → the UI. Each process belongs to the
 * stack from the moment it is spawned (a Lifetime): on failure, or when `signal` aborts, whatever
 * started or is starting is stopped before the promise rejects. Each process also dies with this
 * one, however it ends (processes.ts: diesWithUs).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (options.ui && options.telemetry === false && !options.ui.jaegerUrl) throw new Error('the UI reads Jaeger: telemetry, or ui.jaegerUrl');
  const lifetime = new Lifetime(options.signal);
  try {
    return await lifetime.run(() => start(options, lifetime));
  } catch (err) {
    await lifetime.stop();
    throw options.signal?.aborted ? options.signal.reason : err;
  }
}

async function start(options: StackOptions, owner: Lifetime): Promise<Stack> {
  const onLine: LineSink = options.onLine ?? (() => undefined);
  const sink = (source: string) => (line: string) => onLine(source, line);
  const { ports } = options;
  // After each step: a stop that came meanwhile ends the start here (what the step started is the stack's).
  const step = async <T>(started: Promise<T>): Promise<T> => {
    const value = await started;
    owner.signal.throwIfAborted();
    return value;
  };

  let postgres: PostgresHandle | undefined;
  let databaseUrl: string;
  if ('url' in options.postgres) {
    databaseUrl = options.postgres.url;
  } else {
    const { dataDir, fresh } = options.postgres;
    postgres = await step(startPostgres({ dataDir, port: ports.postgres, reset: fresh ?? false, log: sink('postgres'), owner }));
    databaseUrl = postgres.url;
  }
  if (options.resetData) await step(resetData(databaseUrl));

  const stripeMock = await step(startStripeMock({ port: ports.stripeMock, onLine: sink('stripe-mock'), owner }));
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
    owner.add(() => proxies.close());
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
    owner.add(() => proxy.close());
    stripeApiBase = `http://127.0.0.1:${proxy.port}`;
  }

  let pipeline: TelemetryPipeline | undefined;
  if (options.telemetry !== false) {
    const telemetry = options.telemetry ?? {};
    pipeline = await step(
      startTelemetryPipeline({
        ports,
        ...(telemetry.dataDir ? { dataDir: telemetry.dataDir } : {}),
        ...(telemetry.collectorEnv ? { collectorEnv: telemetry.collectorEnv } : {}),
        ...(telemetry.jaegerEnv ? { jaegerEnv: telemetry.jaegerEnv } : {}),
        ...(telemetry.collectors !== undefined ? { collectors: telemetry.collectors } : {}),
        onLine: (name, line) => onLine(name, line),
        owner,
      }),
    );
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
    ui: undefined,
    startServices: (serviceOptions = {}) =>
      owner.run(async () => {
        const { ports: servicePorts, env, envFor, envForInstance, ...rest } = serviceOptions;
        const running = await startServices({
          onLine: (service, line, instance) => onLine(instance ?? service, line),
          ...rest,
          // A replica of a service with a database has a database proxy of its own, so a fault can slow one replica's.
          envForInstance: { ...(faults ? await faults.replicaDatabaseEnv(serviceOptions.replicas ?? {}) : {}), ...envForInstance },
          envFor: Object.fromEntries(SERVICES.map((s) => [s, { ...faultEnv[s], ...envFor?.[s] }])),
          ports: servicePorts ?? (Object.fromEntries(SERVICES.map((s) => [s, ports[s]])) as Record<ServiceName, number>),
          databaseUrl,
          stripeApiBase,
          env: { ...(pipeline ? { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint } : {}), ...env },
          owner,
        });
        serviceSets.push(running);
        owner.signal.throwIfAborted();
        return running;
      }),
    processes: () => [
      stripeMock,
      ...(pipeline ? [pipeline.prometheus, pipeline.jaeger, pipeline.collector] : []),
      ...serviceSets.flatMap((set) => [...set.replicas.values()].flat()),
      ...(stack.ui ? [stack.ui.process] : []),
    ],
    stop: () => owner.stop(),
  };
  if (options.services) stack.services = await step(stack.startServices(options.services));
  if (options.ui) {
    const { jaegerUrl = pipeline!.jaegerUrl, prometheusUrl = pipeline?.prometheusUrl, ...ui } = options.ui;
    // Its pages read what the services write: it comes once the gateway is ready, the last part (the first stopped).
    if (stack.services) await waitForHttp(`${stack.services.urls.gateway}/readyz`, { timeoutMs: 30_000, signal: owner.signal });
    stack.ui = await step(startUi({ ...ui, port: ports.ui, jaegerUrl, ...(prometheusUrl ? { prometheusUrl } : {}), onLine: sink('ui'), owner }));
  }
  return stack;
}
