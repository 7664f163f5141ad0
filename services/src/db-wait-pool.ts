/**
 * The database side of the wait watcher (db-waits.ts): the pool's client class that ties each
 * query's span to its backend pid, and the monitoring connection the samples are read on.
 */
import pg from 'pg';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { takeQuerySpan } from './query-span-slot.js';
import { ACTIVITY_SQL, type ActivityRow, type ActivitySource, type DbWaitWatcher } from './db-waits.js';

/**
 * A pg.Client class whose queries are watched: `query` takes the span the instrumentation made
 * for it (synchronously, inside the instrumented `super.query`) and hands it to the watcher with
 * the backend's pid. Every form (promise, callback, config object, pool.query) goes through here.
 */
export function watchedClientClass(watcher: DbWaitWatcher): typeof pg.Client {
  class WatchedClient extends pg.Client {}
  const instrumentedQuery = function (this: pg.Client, ...args: unknown[]): unknown {
    if (!watcher.enabled) return (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    takeQuerySpan();
    const result = (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    watcher.watch((this as pg.Client & { processID?: number | null }).processID, takeQuerySpan());
    return result;
  };
  Object.defineProperty(WatchedClient.prototype, 'query', { value: instrumentedQuery, writable: true, configurable: true });
  return WatchedClient;
}

/**
 * The monitoring connection: one pg.Client outside the pool, opened on first use, reopened after
 * a failure (at most once a second), its statements run with tracing suppressed.
 */
export function monitoringConnection(options: { url: string; applicationName: string }): { source: ActivitySource; close(): Promise<void> } {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let retryAt = 0;
  const untraced = <T>(fn: () => Promise<T>) => context.with(suppressTracing(ROOT_CONTEXT), fn);
  const open = () =>
    untraced(async () => {
      const c = new pg.Client({ connectionString: options.url, application_name: options.applicationName, statement_timeout: 1_000 });
      c.on('error', () => {
        if (client === c) client = undefined;
      });
      await c.connect();
      client = c;
      return c;
    });
  return {
    source: async (pids) => {
      if (!client) {
        if (Date.now() < retryAt) return [];
        connecting ??= open().finally(() => (connecting = undefined));
        try {
          await connecting;
        } catch (err) {
          retryAt = Date.now() + 1_000;
          throw err;
        }
      }
      const c = client!;
      return untraced(async () => (await c.query<ActivityRow>({ name: 'paytrace-db-waits', text: ACTIVITY_SQL, values: [pids] })).rows);
    },
    close: async () => {
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
