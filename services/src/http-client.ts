/** JsonClient: JSON over HTTP between services and to Stripe, on a bounded undici pool, its transport failures as AppErrors. */
import { trace } from '@opentelemetry/api';
import { errors as undiciErrors } from 'undici';
import { DEADLINE_HEADER, deadlineExceeded, remainingMs } from './deadline.js';
import { AppError, dependencyTimeout, dependencyUnavailable, isErrorBody, overloaded } from './errors.js';
import { ContextPreservingPool } from './queued-work-context.js';

export interface JsonClientOptions {
  /** Name of the dependency, used in error messages and logs (e.g. "auth", "stripe"). */
  name: string;
  baseUrl: string;
  /** Deadline for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** Keep-alive connections per upstream; requests beyond it wait in the pool's queue. Default 32. */
  connections?: number;
  /**
   * How many requests may wait for a connection; one more is refused at once with 503
   * `overloaded` instead of queueing until its deadline fires. Default: as many as `connections`.
   */
  maxQueued?: number;
  headers?: Record<string, string>;
}

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  /** The upstream's `Retry-After` (seconds), when it sent one: passed on by throwIfError. */
  retryAfterSeconds?: number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as JSON unless `form` is set. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded (the Stripe API's format). */
  form?: URLSearchParams;
  query?: Record<string, string | number | undefined>;
  /**
   * The caller's deadline (ms since the epoch): the exchange gets the smaller of `timeoutMs` and
   * what remains, the upstream is told what remains (deadline.ts), and a request with nothing left
   * is not sent at all (504 `deadline_exceeded`).
   */
  deadline?: number | undefined;
  /**
   * false: never refused for a full queue (`maxQueued`). For calls that finish work already done
   * (capturing or releasing money that moved), which must not lose their place to new work.
   */
  shed?: boolean;
}

/**
 * A small JSON-over-HTTP client for calls between paytrace services and to Stripe, on an undici
 * keep-alive pool (bounded, and so is its queue; queued requests keep their own trace context, see
 * queued-work-context.ts). Transport failures become AppErrors a route can return as they are:
 * unreachable → 503 `dependency_unavailable`, too slow → 504 `dependency_timeout`, too many
 * already waiting → 503 `overloaded` (at once, nothing sent).
 * Any HTTP status is returned to the caller, who decides what it means.
 */
export class JsonClient {
  readonly name: string;
  private readonly pool: ContextPreservingPool;
  private readonly timeoutMs: number;
  private readonly defaultHeaders: Record<string, string>;
  /** Requests under way or waiting for a connection, and how many of them may be at once. */
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(options: JsonClientOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.defaultHeaders = options.headers ?? {};
    const connections = options.connections ?? 32;
    this.maxInFlight = connections + (options.maxQueued ?? connections);
    this.pool = new ContextPreservingPool(options.baseUrl, {
      poolName: options.name,
      connections,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  async request<T = unknown>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    const timeoutMs = Math.min(this.timeoutMs, remainingMs(options.deadline));
    if (timeoutMs <= 0) {
      // Not the dependency's fault, and nothing was sent: the caller's time is up.
      trace.getActiveSpan()?.addEvent('paytrace.deadline_exceeded', { 'paytrace.dependency': this.name });
      throw deadlineExceeded(`the call to ${this.name}`);
    }
    if (this.inFlight >= this.maxInFlight && options.shed !== false) {
      trace.getActiveSpan()?.addEvent('paytrace.load_shed', { 'paytrace.dependency': this.name, 'paytrace.in_flight': this.inFlight });
      throw overloaded(this.name);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.defaultHeaders, ...options.headers };
    if (options.deadline !== undefined) headers[DEADLINE_HEADER] = String(Math.floor(timeoutMs));
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = options.form.toString();
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const query = options.query
      ? Object.fromEntries(
          Object.entries(options.query)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        )
      : undefined;

    this.inFlight++;
    try {
      const res = await this.pool.request({
        method,
        path,
        headers,
        body,
        query,
        // One deadline for the whole exchange, independent of the pool's per-phase timeouts.
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      let parsed: unknown;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new AppError(502, 'bad_gateway', `${this.name} answered with a body that is not JSON.`, { cause: err });
        }
      }
      const retryAfter = Number(res.headers['retry-after']);
      return { status: res.statusCode, body: parsed as T, ...(retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}) };
    } catch (err) {
      throw this.toAppError(err);
    } finally {
      this.inFlight--;
    }
  }

  private toAppError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    const e = err as { name?: string; code?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError' || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
      return dependencyTimeout(this.name, err);
    }
    // Connection refused, reset, DNS failure, connect timeout: the dependency is not there.
    return dependencyUnavailable(this.name, err);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * For calls between paytrace services: a non-2xx answer that carries paytrace's error envelope is
 * re-thrown as the same AppError, so e.g. payments' `card_declined` reaches the client unchanged
 * (and so does a `Retry-After`, e.g. the time until Stripe's breaker probes again).
 */
export function throwIfError(dependency: string, res: JsonResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  if (isErrorBody(res.body)) {
    throw new AppError(res.status, res.body.error.code, res.body.error.message, { retryAfterSeconds: res.retryAfterSeconds });
  }
  throw new AppError(502, 'bad_gateway', `${dependency} answered with HTTP ${res.status}.`);
}
