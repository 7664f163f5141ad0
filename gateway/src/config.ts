import { BaseConfigSchema, DatabaseConfigSchema, Type, loadConfig } from '@paytrace/services';

export const GatewayConfigSchema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ default: 8080 }),
  AUTH_URL: Type.String({ default: 'http://127.0.0.1:8081' }),
  BALANCE_URL: Type.String({ default: 'http://127.0.0.1:8082' }),
  PAYMENTS_URL: Type.String({ default: 'http://127.0.0.1:8083' }),
  /** Deadline for a call to auth or balance. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 3_000 }),
  /**
   * Deadline for the call to payments. It must outlast payments' own Stripe deadline, so that a
   * slow Stripe is reported by payments (which knows whether it charged) and not guessed here.
   */
  PAYMENTS_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 15_000 }),
  /** Keep-alive connections to each of auth, balance and payments; more requests in flight wait. */
  UPSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  /** How long a request waits for a concurrent twin (same Idempotency-Key) to finish. */
  IDEMPOTENCY_WAIT_MS: Type.Integer({ minimum: 0, default: 20_000 }),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(GatewayConfigSchema, env);
