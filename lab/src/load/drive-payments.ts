/**
 * The one in-process driver of paytrace's routes: a single request (`sendRequest`) and closed-loop
 * load (`driveLoad`), each answer kept with what its `traceresponse` header says of its trace. The
 * detective's tests, the fidelity checker and the page bench use it; measurements use an open model
 * instead (Vegeta, or `openLoad`), where a slow stack cannot slow the arrivals down.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** One request as the client saw it. */
export interface LoadRequest {
  /** When it was sent, ms since the epoch. */
  sentAt: number;
  /** Round trip in ms. */
  ms: number;
  /** The HTTP status; 0 when no answer came (the error says why). */
  status: number;
  /** From the `traceresponse` header (W3C Trace Context), sampled or not. */
  traceId?: string;
  /** The header's sampled flag: whether the trace was recorded. */
  sampled?: boolean;
  /** A payment's `payment_id`, from its body. */
  paymentId?: string;
  error?: string;
}

export type Route = '/process-payment' | '/accounts/me';

export interface RequestOptions {
  gatewayUrl: string;
  /** Default `/process-payment`. */
  route?: Route;
  apiKey: string;
  /** A payment's amount in minor units; default 1 (a cent: no balance runs out). */
  amount?: number;
  /** A payment's description; default `load`. */
  description?: string;
  idempotencyKey?: string;
}

/** Sends one request and reads its whole answer. Never throws: a failure is status 0. */
export async function sendRequest(options: RequestOptions): Promise<LoadRequest> {
  const sentAt = Date.now();
  const started = performance.now();
  const payment = (options.route ?? '/process-payment') === '/process-payment';
  try {
    const res = await fetch(`${options.gatewayUrl}${options.route ?? '/process-payment'}`, {
      method: payment ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        ...(payment ? { 'content-type': 'application/json' } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      ...(payment ? { body: JSON.stringify({ amount: options.amount ?? 1, currency: 'usd', description: options.description ?? 'load' }) } : {}),
    });
    const text = await res.text();
    const paymentId = payment ? paymentIdOf(text) : undefined;
    const [, traceId, , flags] = (res.headers.get('traceresponse') ?? '').split('-');
    return {
      sentAt,
      ms: performance.now() - started,
      status: res.status,
      ...(traceId ? { traceId, sampled: (parseInt(flags ?? '0', 16) & 1) === 1 } : {}),
      ...(paymentId ? { paymentId } : {}),
    };
  } catch (err) {
    return { sentAt, ms: performance.now() - started, status: 0, error: (err as Error).message };
  }
}

function paymentIdOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { payment_id?: string }).payment_id;
  } catch {
    return undefined;
  }
}

export interface LoadOptions extends Omit<RequestOptions, 'apiKey' | 'idempotencyKey'> {
  /** Client i sends with key i modulo their number (many accounts: no lock contention on one row). */
  apiKeys: readonly string[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Stop after this many requests… */
  total?: number;
  /** …or after this long (whichever comes first). */
  durationMs?: number;
  /** Start at most this many requests per second (default: as fast as `concurrency` allows). */
  ratePerSecond?: number;
  /** Called after each answer (e.g. to switch a fault mid-load). */
  onRequest?: (request: LoadRequest) => void;
}

/**
 * Closed-loop load on one route: `concurrency` clients, each sending its next request when the
 * last one is answered, until `total` requests or `durationMs`.
 */
export async function driveLoad(options: LoadOptions): Promise<LoadRequest[]> {
  if (options.total === undefined && options.durationMs === undefined) throw new Error('driveLoad needs a total or a duration');
  const requests: LoadRequest[] = [];
  const startedAt = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const total = options.total ?? Infinity;
  let sent = 0;
  const client = async (apiKey: string) => {
    while (sent < total && Date.now() < deadline) {
      const index = sent++;
      if (options.ratePerSecond) {
        const dueMs = startedAt + (index * 1000) / options.ratePerSecond - performance.now();
        if (dueMs > 0) await sleep(dueMs);
      }
      const request = await sendRequest({ ...options, apiKey });
      requests.push(request);
      options.onRequest?.(request);
      // A refused connection answers at once: do not spin on it.
      if (request.status === 0) await sleep(50);
    }
  };
  const clients = Math.min(options.concurrency, total);
  await Promise.all(Array.from({ length: clients }, (_, i) => client(options.apiKeys[i % options.apiKeys.length]!)));
  return requests;
}
