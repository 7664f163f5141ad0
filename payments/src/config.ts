import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';

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
};

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;
export const loadPaymentsConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(PaymentsConfigSchema, env);
