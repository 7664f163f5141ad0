/** The four services (auth, balance, payments, gateway) as processes: their environment and their start. */
import { fileURLToPath } from 'node:url';
import { ROOT } from './ports.js';
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
  onLine?: (service: ServiceName, line: string) => void;
  /** Owns the set from before the first spawn (its stop stops what runs); its stop cancels the start. */
  owner?: Owner;
}

export interface RunningServices {
  urls: Record<ServiceName, string>;
  processes: Map<ServiceName, ManagedProcess>;
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
  const { owner } = options;

  const start = async (name: ServiceName, extraEnv: NodeJS.ProcessEnv = {}) => {
    const env = { ...serviceEnv(name, options), ...extraEnv };
    owner?.signal.throwIfAborted();
    const proc = startProcess({
      name,
      // PAYTRACE_NODE runs a service on another Node.js binary (the lab compares runtimes with it);
      // by default services run on the Node.js that runs this script, the project's pinned one.
      command: env.PAYTRACE_NODE || process.execPath,
      // The telemetry bootstrap is loaded before the app, as in the Dockerfile.
      args: [...(options.nodeArgsFor?.[name] ?? []), '--import', '@paytrace/services/telemetry', serverEntry(name)],
      env,
      cwd: ROOT,
      ...(options.onLine ? { onLine: (line: string) => options.onLine!(name, line) } : {}),
    });
    processes.set(name, proc);
    await waitForHttp(`${urls[name]}/healthz`, { process: proc, timeoutMs: 60_000, ...(owner ? { signal: owner.signal } : {}) });
  };

  const running: RunningServices = {
    urls,
    processes,
    stopService: async (name) => {
      await processes.get(name)?.stop();
      processes.delete(name);
    },
    startService: start,
    stop: async () => {
      // The edge first, so no new work reaches the services behind it.
      await processes.get('gateway')?.stop();
      await Promise.all([...processes.values()].map((p) => p.stop()));
      processes.clear();
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
