/** payments' routes: POST /v1/charges, GET /v1/charges/:payment_id, POST …/resolve, GET /v1/transactions. */
import type pg from 'pg';
import type { FaultFlags, ServiceApp } from '@paytrace/services';
import { chargePayment, paymentStatus, recentTransactions, resolvePendingCharge } from '../charges.js';
import { ChargeBody, ChargeParams, ChargeResult, PaymentStatus, Transactions, TransactionsQuery } from '../contract.js';
import type { StripeClient } from '../stripe.js';

const Err = { $ref: 'ErrorResponse#' };

/**
 * Fault `stripe-pool-size` (the bottleneck detective): charge through a pool of this many
 * connections instead of STRIPE_MAX_CONNECTIONS. With 1, concurrent charges queue for the one
 * connection; the trace shows each wait as a `wait for stripe connection` span. The fix: size the
 * pool for the concurrency you serve (Little's law: rate × Stripe's latency), not for the quiet case.
 */
export const STRIPE_POOL_SIZE_FLAG = 'stripe-pool-size';

export function chargeRoutes(app: ServiceApp, db: pg.Pool, stripe: StripeClient, flags: FaultFlags, options: { pendingStaleAfterMs: number }): void {
  /** Charge the card through Stripe and log the transaction. */
  app.post(
    '/v1/charges',
    { schema: { body: ChargeBody, response: { 201: ChargeResult, 400: Err, 409: Err, 502: Err, 503: Err, 504: Err } } },
    async function chargeCard(request, reply) {
      const { payment_id: paymentId, account_id: accountId, amount, currency, description } = request.body;
      const stripeConnections = await flags.number(STRIPE_POOL_SIZE_FLAG);
      const result = await chargePayment(
        db,
        stripe,
        request.log,
        { paymentId, accountId, amount, currency, description },
        { stripeConnections, deadline: request.deadline },
      );
      reply.code(201);
      return result;
    },
  );

  app.get('/v1/charges/:payment_id', { schema: { params: ChargeParams, response: { 200: PaymentStatus } } }, async function statusOfPayment(request) {
    return paymentStatus(db, request.params.payment_id);
  });

  /**
   * Settle a charge left `pending` (see resolvePendingCharge): the gateway's reconciler calls it.
   * Answers the payment's status afterwards.
   */
  app.post(
    '/v1/charges/:payment_id/resolve',
    { schema: { params: ChargeParams, response: { 200: PaymentStatus, 504: Err } } },
    async function resolvePayment(request) {
      return resolvePendingCharge(db, stripe, request.log, request.params.payment_id, {
        staleAfterMs: options.pendingStaleAfterMs,
        deadline: request.deadline,
      });
    },
  );

  app.get(
    '/v1/transactions',
    { schema: { querystring: TransactionsQuery, response: { 200: Transactions } } },
    async function transactionsOfAccount(request) {
      return { transactions: await recentTransactions(db, request.query.account_id, Number(request.query.limit ?? 10)) };
    },
  );
}
