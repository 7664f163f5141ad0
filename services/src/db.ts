/** Postgres for a service: a pool that survives its server going away, queries and transactions as AppErrors, migrations. */
import pg from 'pg';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { fromDatabaseError } from './errors.js';
import { ContextPreservingPgPool } from './queued-work-context.js';
import { DEFAULT_DB_WAIT_INTERVAL_MS, DEFAULT_DB_WAIT_SAMPLE_AFTER_MS, DbWaitWatcher, type DbWaitOptions } from './db-waits.js';
import { monitoringConnection, watchedClientClass } from './db-wait-pool.js';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  logger: FastifyBaseLogger;
  /** How Postgres names the pool's sessions (pg_stat_activity.application_name). Default 'paytrace'. */
  applicationName?: string;
  /** Database waits in the trace (db-waits.ts): sampling off unless given. */
  waits?: DbWaitOptions;
}

/**
 * A node-postgres pool that survives its server going away: idle clients that lose their
 * connection are dropped (an unhandled 'error' event would crash the process), new connections
 * fail fast, and every query error that means "unreachable" surfaces as a 503 AppError.
 * Queries that wait for a free client keep their own trace context (queued-work-context.ts).
 */
export function createPool(options: DatabaseOptions): pg.Pool {
  const applicationName = options.applicationName ?? 'paytrace';
  const waits = options.waits && (options.waits.sampleAfterMs ?? 0) > 0 ? options.waits : undefined;
  // The watcher's own session is named after the pool's, so neither is mistaken for the other.
  const monitor = waits ? monitoringConnection({ url: options.url, applicationName: `${applicationName}-waits` }) : undefined;
  const watcher = waits && monitor ? new DbWaitWatcher(monitor.source, waits) : undefined;
  const pool = new ContextPreservingPgPool({
    connectionString: options.url,
    ...poolNameFields(options.url),
    max: options.poolSize,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: applicationName,
    ...(watcher ? { Client: watchedClientClass(watcher) } : {}),
  });
  pool.on('error', (err) => {
    options.logger.warn({ err: { message: err.message } }, 'postgres connection lost; the pool will reconnect');
  });
  if (watcher && monitor) {
    const end = pool.end.bind(pool);
    pool.end = (async () => {
      watcher.close();
      await monitor.close();
      await end();
    }) as pg.Pool['end'];
  }
  return pool;
}

/**
 * WORKAROUND (docs/upstream/opentelemetry-instrumentation-pg-pool-name-connection-string.md): the
 * pg instrumentation names a pool's metrics from its `host`, `port` and `database` options only,
 * so a pool configured by URL is "unknown_host:unknown_port/unknown_database". The same three,
 * from the URL, as options too (node-postgres takes them from `connectionString` in any case).
 */
function poolNameFields(url: string): { host?: string; port?: number; database?: string } {
  try {
    const { hostname, port, pathname } = new URL(url);
    const database = decodeURIComponent(pathname.slice(1));
    return { ...(hostname ? { host: hostname } : {}), port: Number(port || 5432), ...(database ? { database } : {}) };
  } catch {
    return {}; // not a URL (a libpq key=value string): node-postgres parses it, the pool stays unnamed
  }
}

/** Runs a query and maps "database unreachable" to a 503. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: pg.Pool | pg.PoolClient,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(text, values);
  } catch (err) {
    throw fromDatabaseError(err) ?? err;
  }
}

/** Runs `fn` in a transaction; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw fromDatabaseError(err) ?? err;
  }
  try {
    await query(client, 'BEGIN');
    const result = await fn(client);
    await query(client, 'COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface Migration {
  /** Unique within the service, applied in array order. */
  id: string;
  sql: string;
}

/**
 * Applies a service's migrations in its own schema, idempotently: each runs once, in a
 * transaction, recorded in `<schema>.schema_migrations`. An advisory lock keeps two instances
 * starting together from racing.
 */
export async function migrate(pool: pg.Pool, schema: string, migrations: Migration[]): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    await query(client, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`paytrace.migrate.${schema}`]);
    await query(client, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await query(
      client,
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await query<{ id: string }>(client, `SELECT id FROM ${schema}.schema_migrations`)).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await query(client, migration.sql);
      await query(client, `INSERT INTO ${schema}.schema_migrations (id) VALUES ($1)`, [migration.id]);
      applied.push(migration.id);
    }
    return applied;
  });
}

/** Readiness probe: can we run a trivial query right now? */
export async function ping(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

export interface ServiceDatabaseOptions {
  config: {
    DATABASE_URL: string;
    DATABASE_POOL_SIZE: number;
    DATABASE_STATEMENT_TIMEOUT_MS: number;
    DATABASE_WAIT_SAMPLE_AFTER_MS?: number;
    DATABASE_WAIT_SAMPLE_INTERVAL_MS?: number;
  };
  /** The Postgres schema this service owns; no other service touches its tables. */
  schema: string;
  migrations: Migration[];
  /** Inserts the data a fresh stack always has (idempotent). */
  seed?: (db: pg.Pool) => Promise<void>;
}

/**
 * Gives a service its database: a pool closed with the app, migrations and seed applied before
 * the first request, and a `postgres` readiness check.
 */
export async function openServiceDatabase(app: FastifyInstance, options: ServiceDatabaseOptions): Promise<pg.Pool> {
  const db = createPool({
    url: options.config.DATABASE_URL,
    poolSize: options.config.DATABASE_POOL_SIZE,
    statementTimeoutMs: options.config.DATABASE_STATEMENT_TIMEOUT_MS,
    logger: app.log,
    // paytrace-balance, paytrace-auth…: a lock's holder or waiter in pg_stat_activity says whose it is.
    applicationName: `paytrace-${options.schema}`,
    waits: {
      sampleAfterMs: options.config.DATABASE_WAIT_SAMPLE_AFTER_MS ?? DEFAULT_DB_WAIT_SAMPLE_AFTER_MS,
      intervalMs: options.config.DATABASE_WAIT_SAMPLE_INTERVAL_MS ?? DEFAULT_DB_WAIT_INTERVAL_MS,
    },
  });
  app.addHook('onClose', async () => db.end());
  app.readinessChecks.set('postgres', () => ping(db));
  await migrate(db, options.schema, options.migrations);
  await options.seed?.(db);
  return db;
}
