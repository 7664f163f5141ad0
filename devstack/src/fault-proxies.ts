/** The faults outside paytrace's code: a Stripe proxy and a database latency proxy per service, driven by the flag file. */
import { unwatchFile, watchFile } from 'node:fs';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { faultsFor } from '@paytrace/faults';
import { replicaInstanceIds } from './services.js';

/** The part of the world outside paytrace that the fault flags can break. */
export interface FaultProxies {
  /** Where payments reaches Stripe: the Stripe proxy in front of stripe-mock. */
  stripeApiBase: string;
  /** Where each service reaches Postgres: a latency proxy per service. */
  databaseUrls: { auth: string; balance: string; payments: string };
  /**
   * DATABASE_URL for each replica of a replicated service with a database: a latency proxy of its
   * own, whose fault flag is evaluated with the replica's instance id (`--instance balance-2`).
   * Made on first ask, by instance id (`balance-2`).
   */
  replicaDatabaseEnv(replicas: Partial<Record<string, number>>): Promise<Record<string, NodeJS.ProcessEnv>>;
  close(): Promise<void>;
}

export interface FaultProxiesOptions {
  flagFile: string;
  stripeMockPort: number;
  databaseUrl: string;
  /** Stripe's latency when no fault is on (a real card network takes hundreds of ms). */
  baseStripeLatencyMs?: number;
}

const DATABASE_FLAGS = { auth: 'auth-db-latency', balance: 'balance-db-latency', payments: 'payments-db-latency' } as const;

/**
 * Faults that are not in paytrace's code but in what it depends on, read from the same flag file
 * as the services' own: Stripe's latency and errors (an HTTP proxy in front of stripe-mock) and the
 * network to each service's database (a TCP latency proxy per service). These are the world, not
 * a service, so no span records their flags: the trace shows only their effect, as it would in
 * production. The file is polled every 250 ms, so a switch applies within a second.
 */
export async function startFaultProxies(options: FaultProxiesOptions): Promise<FaultProxies> {
  const stripe = await startStripeProxy({ stripeMockPort: options.stripeMockPort, baseLatencyMs: options.baseStripeLatencyMs ?? 0 });
  const postgres = new URL(options.databaseUrl);
  const databaseProxies = new Map<keyof typeof DATABASE_FLAGS, LatencyProxy>();
  /** A replica's own database proxy, by instance id, with its service. */
  const replicaProxies = new Map<string, { service: keyof typeof DATABASE_FLAGS; proxy: LatencyProxy; url: string }>();
  const databaseUrls = {} as FaultProxies['databaseUrls'];
  const startDatabaseProxy = async () => {
    const proxy = await startLatencyProxy({ targetPort: Number(postgres.port || 5432), targetHost: postgres.hostname });
    const url = new URL(options.databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return { proxy, url: url.toString() };
  };
  for (const service of Object.keys(DATABASE_FLAGS) as Array<keyof typeof DATABASE_FLAGS>) {
    const { proxy, url } = await startDatabaseProxy();
    databaseProxies.set(service, proxy);
    databaseUrls[service] = url;
  }

  // The file as flagd evaluates it: a fault scoped to instances (a targeting rule) is off for the
  // shared proxies and on for the replicas it names.
  const apply = () => {
    try {
      const faults = faultsFor(options.flagFile);
      stripe.set({ latencyMs: Number(faults.get('stripe-latency') ?? 0), errorRate: Number(faults.get('stripe-error-rate') ?? 0) });
      for (const [service, flag] of Object.entries(DATABASE_FLAGS)) {
        databaseProxies.get(service as keyof typeof DATABASE_FLAGS)!.setLatency(Number(faults.get(flag) ?? 0));
      }
      for (const [instance, { service, proxy }] of replicaProxies) {
        proxy.setLatency(Number(faultsFor(options.flagFile, instance).get(DATABASE_FLAGS[service]) ?? 0));
      }
    } catch {
      // half-written by an editor: the next poll reads it whole
    }
  };
  apply();
  watchFile(options.flagFile, { interval: 250, persistent: false }, apply);

  return {
    stripeApiBase: `http://127.0.0.1:${stripe.port}`,
    databaseUrls,
    async replicaDatabaseEnv(replicas) {
      const env: Record<string, NodeJS.ProcessEnv> = {};
      for (const service of Object.keys(DATABASE_FLAGS) as Array<keyof typeof DATABASE_FLAGS>) {
        for (const instance of replicaInstanceIds(service, replicas[service])) {
          if (!replicaProxies.has(instance)) replicaProxies.set(instance, { service, ...(await startDatabaseProxy()) });
          env[instance] = { DATABASE_URL: replicaProxies.get(instance)!.url };
        }
      }
      apply();
      return env;
    },
    async close() {
      unwatchFile(options.flagFile, apply);
      const replicas = [...replicaProxies.values()].map((r) => r.proxy);
      await Promise.all([stripe.close(), ...[...databaseProxies.values(), ...replicas].map((p) => p.close())]);
    },
  };
}

interface StripeProxy {
  port: number;
  set(faults: { latencyMs: number; errorRate: number }): void;
  close(): Promise<void>;
}

/**
 * Stripe as the network shows it: every request waits `base + latency` ms before stripe-mock
 * answers it, on the connection payments opened (so payments' pool really is busy meanwhile), and
 * a share of charges gets Stripe's 500 `api_error` instead.
 */
async function startStripeProxy(options: { stripeMockPort: number; baseLatencyMs: number }): Promise<StripeProxy> {
  let faults = { latencyMs: 0, errorRate: 0 };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: options.stripeMockPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    const { latencyMs, errorRate } = faults;
    const failThis = req.method === 'POST' && Math.random() < errorRate;
    setTimeout(() => {
      if (!failThis) return forward(req, res);
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred' } }));
    }, options.baseLatencyMs + latencyMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    set: (next) => {
      faults = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
