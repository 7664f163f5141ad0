/** GET /accounts/me: the key's account, its balances and last 10 payment attempts (read in parallel, unless a fault is on). */
import { Balances } from '@paytrace/balance/contract';
import { Transactions } from '@paytrace/payments/contract';
import { upstreamAnswer, type FaultFlags, type ServiceApp } from '@paytrace/services';
import { authenticate } from '../authentication.js';
import { AccountView } from '../contract.js';
import { errorResponses } from '../openapi.js';
import type { Upstreams } from '../upstreams.js';

/**
 * Fault `gateway-sequential-account-reads` (the bottleneck detective): the account's balances and
 * its recent payments are read one after the other, though neither needs the other. The request
 * then takes the sum of both calls instead of the longer one. The fix is the healthy code: start
 * both, then await both (`Promise.all`).
 */
export const SEQUENTIAL_READS_FLAG = 'gateway-sequential-account-reads';

export function accountRoutes(app: ServiceApp, upstreams: Upstreams, flags: FaultFlags): void {
  /** The key's account: balances and the last 10 payment attempts. */
  app.get(
    '/accounts/me',
    {
      schema: {
        summary: 'The API key’s account: balances and the last 10 payment attempts',
        security: [{ apiKey: [] }],
        response: { 200: { ...AccountView, description: 'The account.' }, ...errorResponses(401, 431, 502, 503, 504) },
      },
      preHandler: authenticate(upstreams, { makesPayment: false }),
    },
    async function myAccount(request) {
      const { account } = request;
      const id = encodeURIComponent(account.account_id);
      const readBalances = () => upstreams.balance.request('GET', `/v1/accounts/${id}/balances`);
      const readTransactions = () => upstreams.payments.request('GET', '/v1/transactions', { query: { account_id: account.account_id, limit: 10 } });
      const [balances, transactions] = (await flags.isOn(SEQUENTIAL_READS_FLAG))
        ? [await readBalances(), await readTransactions()]
        : await Promise.all([readBalances(), readTransactions()]);
      return {
        ...account,
        balances: upstreamAnswer('balance', Balances, balances).balances,
        recent_payments: upstreamAnswer('payments', Transactions, transactions).transactions,
      };
    },
  );
}
