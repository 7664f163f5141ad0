/** The gateway's app: buildApp({ config }) wires authentication, the payment and account routes, OpenAPI and the reconciler. */
import type { FastifyServerOptions } from 'fastify';
import { createServiceApp, loadSheddingOptions, openFaultFlags, openServiceDatabase, traceResponseHeader } from '@paytrace/services';
import type { GatewayConfig } from './config.js';
import { SCHEMA, migrations, seed } from './data.js';
import { decorateAuthentication } from './authentication.js';
import { registerOpenApi } from './openapi.js';
import { accountRoutes } from './routes/accounts.js';
import { paymentRoutes } from './routes/payments.js';
import { startReconciler } from './reconciler.js';
import { closeUpstreams, createUpstreams } from './upstreams.js';

export interface BuildGatewayAppOptions {
  config: GatewayConfig;
  logger?: FastifyServerOptions['logger'];
}

/**
 * The public edge: authenticates, keeps payments idempotent, runs auth → balance → payments, and
 * settles in the background every payment a failure left open (the reconciler).
 */
export async function buildApp({ config, logger }: BuildGatewayAppOptions) {
  const app = createServiceApp({ logger: logger ?? { level: config.LOG_LEVEL }, loadShedding: loadSheddingOptions(config) });
  const db = await openServiceDatabase(app, { config, schema: SCHEMA, migrations, seed });
  const upstreams = createUpstreams(config);
  app.addHook('onClose', async () => closeUpstreams(upstreams));
  // Ready when the services behind us are alive (their /healthz, not /readyz, to avoid cascades).
  for (const [name, client] of Object.entries(upstreams)) {
    app.readinessChecks.set(name, async () => (await client.request('GET', '/healthz')).status === 200);
  }
  // Tell every caller where its trace is (W3C Trace Context Level 2).
  app.addHook('onRequest', async function addTraceResponseHeader(_request, reply) {
    const value = traceResponseHeader();
    if (value) reply.header('traceresponse', value);
  });
  await registerOpenApi(app);
  decorateAuthentication(app);
  paymentRoutes(app, db, upstreams, config);
  if (config.RECONCILE_INTERVAL_MS > 0) {
    const reconciler = startReconciler({
      db,
      upstreams,
      log: app.log.child({ component: 'reconciler' }),
      intervalMs: config.RECONCILE_INTERVAL_MS,
      batchSize: config.RECONCILE_BATCH_SIZE,
      runMs: config.RECONCILE_RUN_MS,
      backoffMs: config.RECONCILE_BACKOFF_MS,
      maxBackoffMs: config.RECONCILE_MAX_BACKOFF_MS,
    });
    // Before the connections it uses are closed (onClose).
    app.addHook('preClose', async () => reconciler.stop());
  }
  accountRoutes(app, upstreams, await openFaultFlags(app, 'gateway'));
  return app;
}
