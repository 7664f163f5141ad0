/** The balance service's app: buildApp({ config }) opens its database (schema balance) and flags, and mounts the hold routes. */
import type { FastifyServerOptions } from 'fastify';
import { createServiceApp, loadSheddingOptions, openFaultFlags, openServiceDatabase } from '@paytrace/services';
import type { BalanceConfig } from './config.js';
import { SCHEMA, migrations, seed } from './data.js';
import { holdRoutes } from './routes/holds.js';

export interface BuildBalanceAppOptions {
  config: BalanceConfig;
  logger?: FastifyServerOptions['logger'];
}

/** The balance service: checks balances and holds money in Postgres. */
export async function buildApp({ config, logger }: BuildBalanceAppOptions) {
  const app = createServiceApp({ logger: logger ?? { level: config.LOG_LEVEL }, loadShedding: loadSheddingOptions(config) });
  const db = await openServiceDatabase(app, { config, schema: SCHEMA, migrations, seed });
  holdRoutes(app, db, await openFaultFlags(app, 'balance'));
  return app;
}
