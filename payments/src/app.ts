/** The payments service's app: buildApp({ config }) opens its database (schema payments), the Stripe client and fault flags. */
import type { FastifyServerOptions } from 'fastify';
import { createServiceApp, loadSheddingOptions, openFaultFlags, openServiceDatabase } from '@paytrace/services';
import { stripeBreakerOptions, type PaymentsConfig } from './config.js';
import { SCHEMA, migrations, seed } from './data.js';
import { chargeRoutes } from './routes/charges.js';
import { StripeClient } from './stripe.js';

export interface BuildPaymentsAppOptions {
  config: PaymentsConfig;
  logger?: FastifyServerOptions['logger'];
}

/** The payments service: charges cards through the Stripe API and keeps the transaction log. */
export async function buildApp({ config, logger }: BuildPaymentsAppOptions) {
  const app = createServiceApp({ logger: logger ?? { level: config.LOG_LEVEL }, loadShedding: loadSheddingOptions(config) });
  const db = await openServiceDatabase(app, { config, schema: SCHEMA, migrations, seed });
  const stripe = new StripeClient({
    baseUrl: config.STRIPE_API_BASE,
    secretKey: config.STRIPE_SECRET_KEY,
    source: config.STRIPE_PAYMENT_SOURCE,
    timeoutMs: config.STRIPE_TIMEOUT_MS,
    maxConnections: config.STRIPE_MAX_CONNECTIONS,
    breaker: stripeBreakerOptions(config),
    log: app.log,
  });
  app.addHook('onClose', async () => stripe.close());
  app.readinessChecks.set('stripe', () => stripe.ping());
  // An attempt still pending after its Stripe deadline and a statement timeout is no longer under way.
  const pendingStaleAfterMs = config.STRIPE_TIMEOUT_MS + config.DATABASE_STATEMENT_TIMEOUT_MS;
  chargeRoutes(app, db, stripe, await openFaultFlags(app, 'payments'), { pendingStaleAfterMs });
  return app;
}
