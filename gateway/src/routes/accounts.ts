import { Balances } from '@paytrace/balance/contract';
import { Transactions } from '@paytrace/payments/contract';
import { upstreamAnswer, type ServiceApp } from '@paytrace/services';
import { authenticate } from '../authentication.js';
import { AccountView } from '../contract.js';
import { errorResponses } from '../openapi.js';
import type { Upstreams } from '../upstreams.js';

export function accountRoutes(app: ServiceApp, upstreams: Upstreams): void {
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
      const [balances, transactions] = await Promise.all([
        upstreams.balance.request('GET', `/v1/accounts/${id}/balances`),
        upstreams.payments.request('GET', '/v1/transactions', { query: { account_id: account.account_id, limit: 10 } }),
      ]);
      return {
        ...account,
        balances: upstreamAnswer('balance', Balances, balances).balances,
        recent_payments: upstreamAnswer('payments', Transactions, transactions).transactions,
      };
    },
  );
}
