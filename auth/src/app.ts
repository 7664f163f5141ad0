/** The auth service's app: buildApp({ config }) opens its database (schema auth) and fault flags, and mounts the key route. */
import type { FastifyServerOptions } from 'fastify';
import { createServiceApp, loadSheddingOptions, openFaultFlags, openServiceDatabase } from '@paytrace/services';
import type { AuthConfig } from './config.js';
import { SCHEMA, migrations, seed } from './data.js';
import { keyRoutes } from './routes/keys.js';

export interface BuildAuthAppOptions {
  config: AuthConfig;
  logger?: FastifyServerOptions['logger'];
}

/** The auth service: verifies API keys against Postgres. */
export async function buildApp({ config, logger }: BuildAuthAppOptions) {
  const app = createServiceApp({ logger: logger ?? { level: config.LOG_LEVEL }, loadShedding: loadSheddingOptions(config) });
  const db = await openServiceDatabase(app, { config, schema: SCHEMA, migrations, seed });
  keyRoutes(app, db, await openFaultFlags(app, 'auth'));
  return app;
}
