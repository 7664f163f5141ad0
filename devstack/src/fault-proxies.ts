/** The faults outside paytrace's code: a Stripe proxy and a database latency proxy per service, driven by the flag file. */
import { unwatchFile, watchFile } from 'node:fs';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { currentFaults } from '@paytrace/faults';

/** The part of the world outside paytrace that the fault flags can break. */
export interface FaultProxies {
  /** Where payments reaches Stripe: the Stripe proxy in front of stripe-mock. */
  stripeApiBase: string;
  /** Where each service reaches Postgres: a latency proxy per service. */
  databaseUrls: { auth: string; balance: string; payments: string };
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
  const databaseUrls = {} as FaultProxies['databaseUrls'];
  for (const service of Object.keys(DATABASE_FLAGS) as Array<keyof typeof DATABASE_FLAGS>) {
    const proxy = await startLatencyProxy({ targetPort: Number(postgres.port || 5432), targetHost: postgres.hostname });
    databaseProxies.set(service, proxy);
    const url = new URL(options.databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    databaseUrls[service] = url.toString();
  }

  const apply = () => {
    let faults;
    try {
      faults = currentFaults(options.flagFile);
    } catch {
      return; // half-written by an editor: the next poll reads it whole
    }
    stripe.set({ latencyMs: Number(faults.get('stripe-latency') ?? 0), errorRate: Number(faults.get('stripe-error-rate') ?? 0) });
    for (const [service, flag] of Object.entries(DATABASE_FLAGS)) {
      databaseProxies.get(service as keyof typeof DATABASE_FLAGS)!.setLatency(Number(faults.get(flag) ?? 0));
    }
  };
  apply();
  watchFile(options.flagFile, { interval: 250, persistent: false }, apply);

  return {
    stripeApiBase: `http://127.0.0.1:${stripe.port}`,
    databaseUrls,
    async close() {
      unwatchFile(options.flagFile, apply);
      await Promise.all([stripe.close(), ...[...databaseProxies.values()].map((p) => p.close())]);
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
