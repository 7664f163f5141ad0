/** StripeClient: charges a card through the Stripe API (POST /v1/charges, idempotent by payment id), behind the breaker. */
import { AppError, JsonClient } from '@paytrace/services';
import { StripeBreaker, type BreakerLog, type StripeBreakerOptions } from './stripe-breaker.js';

/** How long the breaker's half-open probe may take. */
const PROBE_TIMEOUT_MS = 1_000;

export interface StripeCharge {
  id: string;
  status: string;
  paid: boolean;
}

interface StripeErrorBody {
  error?: { type?: string; code?: string; decline_code?: string; message?: string };
}

export interface StripeOptions {
  baseUrl: string;
  secretKey: string;
  source: string;
  timeoutMs: number;
  maxConnections: number;
  /** The circuit breaker's settings (stripe-breaker.ts); defaults: STRIPE_BREAKER_DEFAULTS. */
  breaker?: Partial<StripeBreakerOptions> | undefined;
  /** Where the breaker logs its state changes. */
  log?: BreakerLog | undefined;
}

/**
 * Charges a card through the Stripe API (`POST /v1/charges`), with the payment id as Stripe's
 * Idempotency-Key so a retried payment can never be charged twice.
 *
 * Why Charges and not PaymentIntents: stripe-mock answers from fixed fixtures, and its confirmed
 * PaymentIntent fixture says `requires_payment_method`; reading that honestly would decline every
 * payment. Its Charge fixture says `succeeded`/`paid`, and we still check both fields.
 *
 * Charges go through one circuit breaker (stripe-breaker.ts), whichever pool they use: the pools
 * are ways to reach one dependency, whose health is one fact. The readiness ping does not.
 */
export class StripeClient {
  private readonly http: JsonClient;
  private readonly options: StripeOptions;
  /** Pools of another size, made when the `stripe-pool-size` fault asks for one. */
  private readonly resizedPools = new Map<number, JsonClient>();
  readonly breaker: StripeBreaker;

  constructor(options: StripeOptions) {
    this.options = options;
    this.http = this.newPool(options.maxConnections);
    this.breaker = new StripeBreaker(options.breaker, options.log, Math.random, () => this.probe());
  }

  private newPool(connections: number): JsonClient {
    return new JsonClient({
      name: 'stripe',
      baseUrl: this.options.baseUrl,
      timeoutMs: this.options.timeoutMs,
      connections,
      // The queue's bound is the configured pool's whatever this pool's size: the stripe-pool-size
      // fault's lesson is the wait for a connection, which a queue as small as its one connection
      // would turn into refusals.
      maxQueued: this.options.maxConnections,
      headers: { authorization: `Bearer ${this.options.secretKey}` },
    });
  }

  /** The configured pool, or one of `connections` (0: the configured one). */
  private pool(connections: number): JsonClient {
    if (connections <= 0 || connections === this.options.maxConnections) return this.http;
    let pool = this.resizedPools.get(connections);
    if (!pool) {
      pool = this.newPool(connections);
      this.resizedPools.set(connections, pool);
    }
    return pool;
  }

  /** `connections`: the pool size to charge through (the `stripe-pool-size` fault); 0 = configured. */
  async charge(
    input: {
      paymentId: string;
      amount: number;
      currency: string;
      description?: string | undefined;
      /** When the caller stops waiting (ms since the epoch): the call ends by then (STRIPE_TIMEOUT_MS at most). */
      deadline?: number | undefined;
    },
    connections = 0,
  ): Promise<StripeCharge> {
    const form = new URLSearchParams({
      amount: String(input.amount),
      currency: input.currency,
      source: this.options.source,
      'metadata[payment_id]': input.paymentId,
    });
    if (input.description) form.set('description', input.description);
    const pool = this.pool(connections);
    return this.breaker.run(() => this.send(pool, form, input.paymentId, input.deadline));
  }

  /** One `POST /v1/charges`, its answer read into a charge or an AppError. */
  private async send(pool: JsonClient, form: URLSearchParams, paymentId: string, deadline: number | undefined): Promise<StripeCharge> {
    const res = await pool.request<StripeCharge & StripeErrorBody>('POST', '/v1/charges', {
      deadline,
      form,
      headers: { 'idempotency-key': paymentId },
    });
    if (res.status === 200) {
      if (res.body.status === 'succeeded' && res.body.paid) return res.body;
      throw new AppError(502, 'card_declined', `The card was not charged (charge status "${res.body.status}").`);
    }
    const stripeError = res.body?.error;
    if (res.status === 402 || stripeError?.type === 'card_error') {
      throw new AppError(502, 'card_declined', `The card was declined (${stripeError?.decline_code ?? stripeError?.code ?? 'declined'}).`);
    }
    if (res.status === 429 || res.status >= 500) {
      throw new AppError(503, 'payment_provider_unavailable', `Stripe answered HTTP ${res.status}; try again later.`);
    }
    throw new AppError(502, 'payment_provider_error', `Stripe rejected the charge (HTTP ${res.status}, ${stripeError?.type ?? 'unknown error'}).`);
  }

  /**
   * The breaker's half-open probe: a read (`GET /v1/balance`) with a deadline of its own, short
   * (PROBE_TIMEOUT_MS) because a working Stripe answers it in milliseconds. Throws what a charge
   * would (timeout, unreachable, 429/5xx) so the breaker counts it.
   */
  private async probe(): Promise<void> {
    const res = await this.http.request('GET', '/v1/balance', { deadline: Date.now() + PROBE_TIMEOUT_MS });
    if (res.status === 429 || res.status >= 500) throw new AppError(503, 'payment_provider_unavailable', `Stripe answered HTTP ${res.status}.`);
  }

  /** Readiness: does the Stripe API answer at all (any HTTP status counts as reachable)? */
  async ping(): Promise<boolean> {
    try {
      await this.http.request('GET', '/v1/balance');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.breaker.close();
    await Promise.all([this.http, ...this.resizedPools.values()].map((pool) => pool.close()));
  }
}
