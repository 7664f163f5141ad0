/** The gateway's keep-alive JsonClients to auth, balance and payments, sized and timed by its config. */
import { JsonClient } from '@paytrace/services';
import type { GatewayConfig } from './config.js';

/** The gateway's keep-alive clients for the three services behind it. */
export interface Upstreams {
  auth: JsonClient;
  balance: JsonClient;
  payments: JsonClient;
}

export function createUpstreams(config: GatewayConfig): Upstreams {
  const pool = { connections: config.UPSTREAM_CONNECTIONS, maxQueued: config.UPSTREAM_MAX_QUEUED };
  return {
    auth: new JsonClient({ name: 'auth', baseUrl: config.AUTH_URL, timeoutMs: config.UPSTREAM_TIMEOUT_MS, ...pool }),
    balance: new JsonClient({ name: 'balance', baseUrl: config.BALANCE_URL, timeoutMs: config.UPSTREAM_TIMEOUT_MS, ...pool }),
    payments: new JsonClient({ name: 'payments', baseUrl: config.PAYMENTS_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS, ...pool }),
  };
}

export async function closeUpstreams(upstreams: Upstreams): Promise<void> {
  await Promise.all([upstreams.auth.close(), upstreams.balance.close(), upstreams.payments.close()]);
}
