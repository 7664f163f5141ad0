/** The gateway's configuration from the environment: PORT 8080, upstream URLs, each hop's budget, load limits, reconciler. */
import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';

export const GatewayConfigSchema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ default: 8080 }),
  AUTH_URL: Type.String({ default: 'http://127.0.0.1:8081' }),
  BALANCE_URL: Type.String({ default: 'http://127.0.0.1:8082' }),
  PAYMENTS_URL: Type.String({ default: 'http://127.0.0.1:8083' }),
  // ---- Time: the budget of each hop of a payment ---------------------------------------------
  // A payment's deadline is the smaller of the client's (`x-request-timeout-ms`, if it sent one)
  // and PAYMENT_BUDGET_MS from its arrival. Each hop is told what remains and stops work whose
  // caller has given up:
  //   auth (verify the key)      UPSTREAM_TIMEOUT_MS, 3 s
  //   balance (place the hold)   min(UPSTREAM_TIMEOUT_MS, what remains)
  //   payments (charge, log)     min(PAYMENTS_TIMEOUT_MS, what remains); payments gives Stripe
  //                              min(STRIPE_TIMEOUT_MS 5 s, what remains less its log write)
  //   balance (capture/release)  UPSTREAM_TIMEOUT_MS, not cut by the deadline: money that moved is
  //                              settled; if that fails, the reconciler settles it
  // Each Postgres statement: DATABASE_STATEMENT_TIMEOUT_MS (5 s; a 504 dependency_timeout).
  /** The whole payment's budget, from its arrival at the gateway. */
  PAYMENT_BUDGET_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** A payment with less than this left when its hold would be placed is refused (504) before any money moves. */
  PAYMENT_MIN_START_MS: Type.Integer({ minimum: 0, default: 500 }),
  /** Deadline for a call to auth or balance. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 3_000 }),
  /**
   * Deadline for the call to payments (within the payment's budget). It must outlast payments' own
   * Stripe deadline, so that a slow Stripe is reported by payments (which knows whether it charged)
   * and not guessed here.
   */
  PAYMENTS_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 15_000 }),

  // ---- Load: shed what cannot be served in time, at once ----------------------------------
  /**
   * Payments being processed at once (counted from before authentication); one more is answered at
   * once with 503 `overloaded` and `Retry-After`, instead of queueing behind the others until its
   * deadline fires. Little's law sizes it: what waits is about this many divided by the stack's
   * throughput, so at the ~50 payments/s this stack serves on 2 cores, 32 in flight keeps a
   * payment's wait near half a second when the stack is overloaded, while normal load needs a few
   * (40/s at ~30 ms each is about 2; the lesson's 300 ms Stripe at 20/s, about 7).
   */
  MAX_PAYMENTS_IN_FLIGHT: Type.Integer({ minimum: 1, default: 32 }),
  /** Keep-alive connections to each of auth, balance and payments. */
  UPSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  /** Requests that may wait for one of those connections; one more is refused at once (503 `overloaded`). */
  UPSTREAM_MAX_QUEUED: Type.Integer({ minimum: 0, default: 32 }),

  // ---- Settlement: the reconciler (reconciler.ts) -------------------------------------------
  /**
   * How long after its deadline a payment's own request may still be settling it before the
   * reconciler may take over: one capture or release (UPSTREAM_TIMEOUT_MS) and the record's update
   * (one statement timeout), with room to spare.
   */
  SETTLE_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** How often the reconciler looks for open payments whose lease ran out (0 = never: no reconciler). */
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  RECONCILE_BATCH_SIZE: Type.Integer({ minimum: 1, default: 20 }),
  /** One run of one payment: status, resolve, capture or release. */
  RECONCILE_RUN_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** Retry backoff after a run that could not finish: doubles per attempt, full jitter, capped. */
  RECONCILE_BACKOFF_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  RECONCILE_MAX_BACKOFF_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** How long a request waits for a concurrent twin (same Idempotency-Key) to finish. */
  IDEMPOTENCY_WAIT_MS: Type.Integer({ minimum: 0, default: 20_000 }),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(GatewayConfigSchema, env);
