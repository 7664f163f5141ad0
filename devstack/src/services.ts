/** The four services (auth, balance, payments, gateway) as processes: their environment and their start. */
import { fileURLToPath } from 'node:url';
import { startBalancer, type Balancer } from './balancer.js';
import { UsageError } from './cli.js';
import { freePort, ROOT } from './ports.js';
import { startProcess, waitForHttp, type ManagedProcess, type Owner } from './processes.js';

export const SERVICES = ['auth', 'balance', 'payments', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ServicesOptions {
  ports: Record<ServiceName, number>;
  databaseUrl: string;
  stripeApiBase: string;
  /** Extra environment for every service, or per service. */
  env?: NodeJS.ProcessEnv;
  envFor?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Extra Node.js flags (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgsFor?: Partial<Record<ServiceName, string[]>>;
  /** Each output line; `instance` is the replica's service.instance.id (`balance-2`) when the service has replicas. */
  onLine?: (service: ServiceName, line: string, instance?: string) => void;
  /**
   * Processes per service (default 1, as before). N > 1 runs `<service>-1` … `<service>-N` on free
   * ports, each with that service.instance.id (added to OTEL_RESOURCE_ATTRIBUTES), behind a load
   * balancer on the service's own port (balancer.ts), so its callers' AUTH_URL, BALANCE_URL… stay.
   */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Extra environment for one replica, by its instance id (e.g. `balance-2`'s own database proxy). */
  envForInstance?: Record<string, NodeJS.ProcessEnv>;
  /** Owns the set from before the first spawn (its stop stops what runs); its stop cancels the start. */
  owner?: Owner;
}

export interface RunningServices {
  urls: Record<ServiceName, string>;
  /** Each service's process (with replicas: its first). */
  processes: Map<ServiceName, ManagedProcess>;
  /** Each service's processes: its one, or its replicas in order. */
  replicas: Map<ServiceName, ManagedProcess[]>;
  /** The replicas' service.instance.id, for each service started with replicas (`balance-1`, `balance-2`). */
  instances: Partial<Record<ServiceName, string[]>>;
  /** Stops one service (SIGTERM, graceful) so a test can see the others cope. */
  stopService(name: ServiceName): Promise<void>;
  /** (Re)starts one service, optionally with extra environment. */
  startService(name: ServiceName, env?: NodeJS.ProcessEnv): Promise<void>;
  stop(): Promise<void>;
}

/** The environment one service runs with: where it listens and where its dependencies are. */
export function serviceEnv(name: ServiceName, options: ServicesOptions): NodeJS.ProcessEnv {
  const url = (service: ServiceName) => `http://127.0.0.1:${options.ports[service]}`;
  return {
    ...process.env,
    PORT: String(options.ports[name]),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    AUTH_URL: url('auth'),
    BALANCE_URL: url('balance'),
    PAYMENTS_URL: url('payments'),
    STRIPE_API_BASE: options.stripeApiBase,
    OTEL_SERVICE_NAME: name,
    // The gateway is the public edge: callers' trace context is linked, not trusted.
    ...(name === 'gateway' ? { PAYTRACE_PUBLIC_EDGE: 'true' } : {}),
    ...options.env,
    ...options.envFor?.[name],
  };
}

/** The service.instance.id of each replica: none for one process (the SDK's default then), `<service>-<n>` for replicas. */
export const replicaInstanceIds = (service: ServiceName, replicas = 1): string[] =>
  replicas > 1 ? Array.from({ length: replicas }, (_, i) => `${service}-${i + 1}`) : [];

/** The most replicas of one service `--replicas` takes: each is a Node.js process (~60 MB) on this machine. */
export const MAX_REPLICAS = 8;

/**
 * `--replicas balance=2,auth=3` (several flags add up): processes per service; the others run one.
 * Throws UsageError on an unknown service or a count that is not 1 to MAX_REPLICAS.
 */
export function parseReplicas(specs: readonly string[]): Partial<Record<ServiceName, number>> {
  const replicas: Partial<Record<ServiceName, number>> = {};
  const parts = specs.flatMap((s) => s.split(',').map((part) => part.trim())).filter(Boolean);
  for (const part of parts) {
    const match = /^([a-z]+)=(\d+)$/.exec(part);
    const service = match?.[1] as ServiceName | undefined;
    const count = Number(match?.[2]);
    if (!service || !SERVICES.includes(service)) {
      throw new UsageError(`--replicas takes <service>=<count> with a service of ${SERVICES.join(', ')}, not "${part}"`);
    }
    if (!(count >= 1 && count <= MAX_REPLICAS)) throw new UsageError(`--replicas ${part}: from 1 to ${MAX_REPLICAS} processes`);
    replicas[service] = count;
  }
  return replicas;
}

/** OTEL_RESOURCE_ATTRIBUTES with this instance id last (the SDK's envDetector: the last pair wins). */
const withInstanceId = (attributes: string | undefined, id: string) =>
  `${attributes?.trim() ? `${attributes.trim()},` : ''}service.instance.id=${encodeURIComponent(id)}`;

/** A service's compiled entry point, through its package's exports (`@paytrace/<name>/server`). */
export function serverEntry(name: ServiceName): string {
  return fileURLToPath(import.meta.resolve(`@paytrace/${name}/server`));
}

/**
 * Starts the four services from their compiled `dist/` in dependency order: auth, balance and
 * payments together, then the gateway once they answer.
 */
export async function startServices(options: ServicesOptions): Promise<RunningServices> {
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${options.ports[s]}`])) as Record<ServiceName, string>;
  const processes = new Map<ServiceName, ManagedProcess>();
  const replicas = new Map<ServiceName, ManagedProcess[]>();
  const balancers = new Map<ServiceName, Balancer>();
  const instances: RunningServices['instances'] = {};
  for (const s of SERVICES) {
    const ids = replicaInstanceIds(s, options.replicas?.[s]);
    if (ids.length > 0) instances[s] = ids;
  }
  const { owner } = options;

  /** One process of a service: the service itself, or its replica `instance`. */
  const startOne = async (name: ServiceName, env: NodeJS.ProcessEnv, instance?: string) => {
    owner?.signal.throwIfAborted();
    const proc = startProcess({
      name: instance ?? name,
      // PAYTRACE_NODE runs a service on another Node.js binary (the lab compares runtimes with it);
      // by default services run on the Node.js that runs this script, the project's pinned one.
      command: env.PAYTRACE_NODE || process.execPath,
      // The telemetry bootstrap is loaded before the app, as in the Dockerfile.
      args: [...(options.nodeArgsFor?.[name] ?? []), '--import', '@paytrace/services/telemetry', serverEntry(name)],
      env,
      cwd: ROOT,
      ...(options.onLine ? { onLine: (line: string) => options.onLine!(name, line, instance) } : {}),
    });
    replicas.set(name, [...(replicas.get(name) ?? []), proc]);
    if (!processes.has(name)) processes.set(name, proc);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/healthz`, { process: proc, timeoutMs: 60_000, ...(owner ? { signal: owner.signal } : {}) });
  };

  const start = async (name: ServiceName, extraEnv: NodeJS.ProcessEnv = {}) => {
    const env = { ...serviceEnv(name, options), ...extraEnv };
    const ids = instances[name] ?? [];
    if (ids.length === 0) return startOne(name, env);
    const ports = await Promise.all(ids.map(() => freePort()));
    await Promise.all(
      ids.map((id, i) =>
        startOne(
          name,
          {
            ...env,
            PORT: String(ports[i]),
            OTEL_RESOURCE_ATTRIBUTES: withInstanceId(env.OTEL_RESOURCE_ATTRIBUTES, id),
            ...options.envForInstance?.[id],
          },
          id,
        ),
      ),
    );
    owner?.signal.throwIfAborted();
    balancers.set(name, await startBalancer({ port: options.ports[name], upstreams: ports.map((p) => `http://127.0.0.1:${p}`) }));
  };

  const stopOne = async (name: ServiceName) => {
    await Promise.all((replicas.get(name) ?? []).map((p) => p.stop()));
    replicas.delete(name);
    processes.delete(name);
    await balancers.get(name)?.close();
    balancers.delete(name);
  };

  const running: RunningServices = {
    urls,
    processes,
    replicas,
    instances,
    stopService: stopOne,
    startService: start,
    stop: async () => {
      // The edge first, so no new work reaches the services behind it.
      await stopOne('gateway');
      await Promise.all(SERVICES.map((s) => stopOne(s)));
    },
  };
  owner?.add(() => running.stop());
  try {
    await Promise.all(['auth', 'balance', 'payments'].map((s) => start(s as ServiceName)));
    await start('gateway');
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}
