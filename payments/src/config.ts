/** payments' configuration from the environment: base and database settings, PORT 8083, Stripe's endpoint, timeout, breaker. */
import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';
import { STRIPE_BREAKER_DEFAULTS as BREAKER, type StripeBreakerOptions } from './stripe-breaker.js';

export const PaymentsConfigSchema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ default: 8083 }),
  /** The Stripe API: stripe-mock locally, https://api.stripe.com in production. */
  STRIPE_API_BASE: Type.String({ default: 'http://127.0.0.1:12111' }),
  STRIPE_SECRET_KEY: Type.String({ default: 'sk_test_paytrace', minLength: 1 }),
  /** The card on file that is charged (a Stripe test token locally). */
  STRIPE_PAYMENT_SOURCE: Type.String({ default: 'tok_visa' }),
  /** Deadline for one Stripe call. The gateway's deadline for payments must be longer. */
  STRIPE_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 5_000 }),
  STRIPE_MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: 64 }),
  /**
   * The circuit breaker around Stripe (stripe-breaker.ts; STRIPE_BREAKER_DEFAULTS says why these
   * defaults). false: no breaker, every charge calls Stripe.
   */
  STRIPE_BREAKER_ENABLED: Type.Boolean({ default: BREAKER.enabled }),
  /** Calls within the window before the error rate may open it: 5 (5 failures in a row open it). */
  STRIPE_BREAKER_VOLUME_THRESHOLD: Type.Integer({ minimum: 1, default: BREAKER.volumeThreshold }),
  /** It opens when more than this percentage of the window's calls failed: 50. */
  STRIPE_BREAKER_ERROR_PERCENTAGE: Type.Integer({ minimum: 1, maximum: 99, default: BREAKER.errorThresholdPercentage }),
  /** The rolling window the failures are counted over: 5 s. */
  STRIPE_BREAKER_WINDOW_MS: Type.Integer({ minimum: 100, default: BREAKER.rollingWindowMs }),
  /** How long it stays open before one charge probes Stripe: 2 s, ± STRIPE_BREAKER_RESET_JITTER. */
  STRIPE_BREAKER_RESET_MS: Type.Integer({ minimum: 100, default: BREAKER.resetTimeoutMs }),
  /** The pause's random spread, as a fraction (0.2: ± 20%), so replicas do not probe in lockstep. */
  STRIPE_BREAKER_RESET_JITTER: Type.Number({ minimum: 0, maximum: 0.9, default: BREAKER.resetJitter }),
};

/** The breaker's settings, as StripeClient takes them. */
export function stripeBreakerOptions(config: PaymentsConfig): StripeBreakerOptions {
  return {
    enabled: config.STRIPE_BREAKER_ENABLED,
    volumeThreshold: config.STRIPE_BREAKER_VOLUME_THRESHOLD,
    errorThresholdPercentage: config.STRIPE_BREAKER_ERROR_PERCENTAGE,
    rollingWindowMs: config.STRIPE_BREAKER_WINDOW_MS,
    resetTimeoutMs: config.STRIPE_BREAKER_RESET_MS,
    resetJitter: config.STRIPE_BREAKER_RESET_JITTER,
  };
}

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;
export const loadPaymentsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(PaymentsConfigSchema, env);
