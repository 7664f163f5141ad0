import { TransactionViewSchema, Type, throwIfError, type ServiceApp } from '@paytrace/services';
import { authenticate } from '../payment-flow.js';
import type { Upstreams } from '../upstreams.js';

const AccountView = Type.Object({
  account_id: Type.String(),
  account_name: Type.String(),
  balances: Type.Array(Type.Object({ currency: Type.String(), balance: Type.Integer() })),
  recent_payments: Type.Array(TransactionViewSchema),
});

export function accountRoutes(app: ServiceApp, upstreams: Upstreams): void {
  /** The key's account: balances and the last 10 payment attempts. */
  app.get(
    '/accounts/me',
    { schema: { response: { 200: AccountView, 401: { $ref: 'ErrorResponse#' }, 503: { $ref: 'ErrorResponse#' }, 504: { $ref: 'ErrorResponse#' } } } },
    async function myAccount(request) {
      const account = await authenticate(upstreams, request.headers.authorization);
      const id = encodeURIComponent(account.account_id);
      const [balances, transactions] = await Promise.all([
        upstreams.balance.request<{ balances: Array<{ currency: string; balance: number }> }>('GET', `/v1/accounts/${id}/balances`),
        upstreams.payments.request<{ transactions: [] }>('GET', '/v1/transactions', { query: { account_id: account.account_id, limit: 10 } }),
      ]);
      throwIfError('balance', balances);
      throwIfError('payments', transactions);
      return { ...account, balances: balances.body.balances, recent_payments: transactions.body.transactions };
    },
  );
}
