import { setTimeout as sleep } from 'node:timers/promises';

/** One request as the client saw it. */
export interface LoadRequest {
  /** When it was sent, ms since the epoch. */
  sentAt: number;
  /** Round trip in ms. */
  ms: number;
  status: number;
  /** From the gateway's `traceresponse` header, when sampled. */
  traceId?: string;
}

export interface LoadOptions {
  gatewayUrl: string;
  route: '/process-payment' | '/accounts/me';
  /** Client i sends with key i modulo their number (many accounts: no lock contention on one row). */
  apiKeys: readonly string[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Stop after this many requests… */
  total?: number;
  /** …or after this long (whichever comes first). */
  durationMs?: number;
  /** Called after each answer (e.g. to switch a fault mid-load). */
  onRequest?: (request: LoadRequest) => void;
}

/**
 * Closed-loop load on one route: `concurrency` clients, each sending its next request when the
 * last one is answered (payments of 1 cent, so no balance runs out). Used by the detective's tests
 * to make a fault visible; measurements use an open model (devstack/src/load: Vegeta).
 */
export async function driveLoad(options: LoadOptions): Promise<LoadRequest[]> {
  if (options.total === undefined && options.durationMs === undefined) throw new Error('driveLoad needs a total or a duration');
  const requests: LoadRequest[] = [];
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  let sent = 0;
  const more = () => sent < (options.total ?? Infinity) && Date.now() < deadline;
  const client = async (apiKey: string) => {
    while (more()) {
      sent++;
      const request = await send(options, apiKey);
      requests.push(request);
      options.onRequest?.(request);
      // A refused connection answers at once: do not spin on it.
      if (request.status === 0) await sleep(50);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => client(options.apiKeys[i % options.apiKeys.length]!)));
  return requests;
}

async function send(options: LoadOptions, apiKey: string): Promise<LoadRequest> {
  const sentAt = Date.now();
  const started = performance.now();
  const payment = options.route === '/process-payment';
  try {
    const res = await fetch(`${options.gatewayUrl}${options.route}`, {
      method: payment ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${apiKey}`, ...(payment ? { 'content-type': 'application/json' } : {}) },
      ...(payment ? { body: JSON.stringify({ amount: 1, currency: 'usd', description: 'detective' }) } : {}),
    });
    await res.arrayBuffer();
    const [, traceId, , flags] = (res.headers.get('traceresponse') ?? '').split('-');
    const sampled = (parseInt(flags ?? '0', 16) & 1) === 1;
    return { sentAt, ms: performance.now() - started, status: res.status, ...(traceId && sampled ? { traceId } : {}) };
  } catch {
    return { sentAt, ms: performance.now() - started, status: 0 };
  }
}
