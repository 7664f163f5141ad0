/** Service configuration from the environment: the settings every service reads, a database's, and loadConfig to check them. */
import envSchema from 'env-schema';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

/**
 * Load shedding's event-loop delay limit (ms; the mean delay of the loop over the last sample, as
 * @fastify/under-pressure measures it). High enough that a service doing its normal work never
 * trips it: an idle loop reads about 0, and a loop that is busy but keeping up turns in
 * milliseconds (each turn parses some requests, runs their hooks and spans, then waits on the
 * network again), GC pauses included: a bare service serving ~9,000 requests/s on 2 cores, its
 * loop 70% busy, read at most 13 ms. So 500 leaves a 2-core machine under the lesson's load, with
 * tracing, the Collector, Postgres and the load generator on the same cores, ample room. Low enough to answer
 * at once rather than queue: at 500 ms every request already waits about half a second before its
 * first line of code runs, a sixth of the gateway's 3 s budget for auth or balance, and the queue
 * behind it only grows; answering 503 + Retry-After costs the client nothing it was going to get.
 */
export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 500;
/**
 * Load shedding on event-loop utilization: off by default. A service at full throughput reads
 * close to 1 while still answering in time (the loop is never idle, yet never late), so a limit
 * on it would refuse work that would have been done; the delay above is what callers feel.
 * Worth setting (e.g. 0.98) where requests are CPU-heavy and a turn of the loop is long.
 */
export const DEFAULT_MAX_EVENT_LOOP_UTILIZATION = 0;

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
  /**
   * Load shedding (load-shedding.ts): a request is answered 503 `overloaded` at once, with
   * `Retry-After`, while the event loop's mean delay over the last second is above this many ms.
   * 0 turns it off. Default 500 (DEFAULT_MAX_EVENT_LOOP_DELAY_MS says why).
   */
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: DEFAULT_MAX_EVENT_LOOP_DELAY_MS }),
  /**
   * Load shedding on event-loop utilization: the share of the last second the loop was busy
   * (0 to 1), e.g. 0.98. Default 0: off (DEFAULT_MAX_EVENT_LOOP_UTILIZATION says why).
   */
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: DEFAULT_MAX_EVENT_LOOP_UTILIZATION }),
};

/** Settings of a service that owns tables in Postgres. */
export const DatabaseConfigSchema = {
  DATABASE_URL: Type.String({ default: 'postgres://postgres:postgres@127.0.0.1:5433/paytrace' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Upper bound for one query; keeps a hung database from holding requests forever. */
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /**
   * Database waits in the trace (db-waits.ts): a query still running after this many ms has its
   * backend's wait event sampled from pg_stat_activity until it ends, and its span says whether it
   * waited, on what, and who held the lock. 0 turns it off. Default 5: an ordinary query here
   * takes about a millisecond and is never sampled; one waiting on a lock is, within 5–10 ms.
   */
  DATABASE_WAIT_SAMPLE_AFTER_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 5 }),
  /** Time between two wait samples of a running query (ms). Default 5. */
  DATABASE_WAIT_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 1, maximum: 1_000, default: 5 }),
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
