/** openLoad(): an open-model load of the traffic mix from Node.js (one request every 1/rate s), and per-phase summaries. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, quantileWithCi } from '@paytrace/trace-analysis';
import { paymentAt, requestAt, type MixRequest, type RequestKind } from './traffic-mix.js';

/** One request of an open-model load, as the client saw it. */
export interface OpenLoadRequest {
  kind: RequestKind;
  /** When it was sent, ms since the epoch. */
  sentAt: number;
  /** Round trip in ms, until the whole body was read (or the error). */
  ms: number;
  /** The HTTP status; 0 when there was no answer (refused, reset, or the client's own timeout). */
  status: number;
  /** The `Retry-After` header, when the answer had one. */
  retryAfter?: string;
  /** The error's `code` from the JSON body, or for status 0 `client_timeout` / `connection_error`. */
  code?: string;
}

export interface OpenLoadOptions {
  gatewayUrl: string;
  /** Arrivals per second: one request every 1/rate s, whether or not the earlier ones were answered. */
  ratePerSecond: number;
  /** How long requests are sent for; the returned promise resolves when every one has ended. */
  durationMs: number;
  /**
   * Which requests of the traffic mix (loadtest/traffic-mix.js) go out: `payments` (default), its
   * payments alone, so a healthy stack answers every one 201; `mix`, with its refusals and
   * invalid requests too.
   */
  mix?: 'payments' | 'mix';
  /** The client's own deadline for one request (so nothing hangs); default 30 s. */
  timeoutMs?: number;
}

/**
 * Open-model load on undici (fetch), in this process: POST /process-payment at a constant arrival
 * rate for a bounded time, the traffic mix's requests in order, each with an Idempotency-Key of
 * its own. The lab and the benches use Vegeta (a process of its own, whose CPU is counted apart
 * and is less than half of this client's per request: npm run bench:generators); this one is for
 * experiments that read each answer's error code and Retry-After as they happen. Unlike a closed loop
 * (drive-payments.ts's driveLoad), a slow or frozen stack does not slow the arrivals down: requests pile up
 * the way real customers' would, which is what overload and stalls are about.
 */
export async function openLoad(options: OpenLoadOptions): Promise<OpenLoadRequest[]> {
  if (!(options.ratePerSecond > 0) || !(options.durationMs > 0)) throw new Error('openLoad needs a rate > 0 and a duration > 0');
  const requestOf = options.mix === 'mix' ? requestAt : paymentAt;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const interval = 1_000 / options.ratePerSecond;
  const total = Math.floor(options.durationMs / interval);
  const started = performance.now();
  const inFlight: Array<Promise<OpenLoadRequest>> = [];
  // Every request has its slot (started + i·interval): a late timer sends the ones it missed at once.
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(send(options.gatewayUrl, requestOf(i), timeoutMs));
  }
  return Promise.all(inFlight);
}

async function send(gatewayUrl: string, { kind, apiKey, body }: MixRequest, timeoutMs: number): Promise<OpenLoadRequest> {
  const sentAt = Date.now();
  const started = performance.now();
  try {
    const res = await fetch(`${gatewayUrl}/process-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': `open-load-${randomUUID()}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let code: string | undefined;
    if (res.status >= 400) {
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = 'not_json';
      }
    }
    const retryAfter = res.headers.get('retry-after') ?? undefined;
    return { kind, sentAt, ms: performance.now() - started, status: res.status, ...(retryAfter ? { retryAfter } : {}), ...(code ? { code } : {}) };
  } catch (err) {
    const name = (err as Error).name;
    const code = name === 'TimeoutError' || name === 'AbortError' ? 'client_timeout' : 'connection_error';
    return { kind, sentAt, ms: performance.now() - started, status: 0, code };
  }
}

/** What a phase of the load looked like. */
export interface PhaseSummary {
  name: string;
  requests: number;
  /** Requests by status; a 503 is split by whether it carried Retry-After (`503+retry-after`). */
  byStatus: Record<string, number>;
  /** Requests by error code (non-2xx answers and client-side failures). */
  byCode: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The requests sent in [from, to) (ms since the epoch). */
export const sentBetween = (requests: readonly OpenLoadRequest[], from: number, to: number): OpenLoadRequest[] =>
  requests.filter((r) => r.sentAt >= from && r.sentAt < to);

/** Counts by status and code, and the latency's p50/p99/max, of the given requests. */
export function summarise(name: string, requests: readonly OpenLoadRequest[]): PhaseSummary {
  const byStatus: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  for (const r of requests) {
    const status = r.status === 503 && r.retryAfter !== undefined ? '503+retry-after' : String(r.status);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (r.code) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
  }
  const sorted = requests.map((r) => r.ms).sort((a, b) => a - b);
  return {
    name,
    requests: requests.length,
    byStatus,
    byCode,
    p50Ms: Math.round(median(sorted)),
    p99Ms: Math.round(quantileWithCi(sorted, 0.99)?.estimate ?? NaN),
    maxMs: Math.round(sorted.at(-1) ?? NaN),
  };
}

/** One line for the test's output. */
export function formatPhase(s: PhaseSummary): string {
  const statuses = Object.entries(s.byStatus)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const codes = Object.entries(s.byCode)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `${s.name.padEnd(22)} ${String(s.requests).padStart(5)} requests  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  max ${s.maxMs} ms  {${statuses}}${codes ? `  codes {${codes}}` : ''}`;
}
