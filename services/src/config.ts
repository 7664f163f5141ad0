import envSchema from 'env-schema';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

/** Settings every paytrace service reads. Each service extends these with its own. */
export const BaseConfigSchema = {
  HOST: Type.String({ default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  /** How long graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
};

/** Settings of a service that owns tables in Postgres. */
export const DatabaseConfigSchema = {
  DATABASE_URL: Type.String({ default: 'postgres://postgres:postgres@127.0.0.1:5433/paytrace' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Upper bound for one query; keeps a hung database from holding requests forever. */
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
};

/**
 * Reads and validates configuration once, at boot. A bad value stops the process with a message
 * naming the variable, instead of failing later on a request.
 */
export function loadConfig<P extends TProperties>(properties: P, env: NodeJS.ProcessEnv = process.env): Static<TObject<P>> {
  return envSchema<Static<TObject<P>>>({
    schema: Type.Object(properties),
    data: env,
    dotenv: false,
    env: false,
  });
}
