import type pg from 'pg';
import { TransactionViewSchema, Type, type ServiceApp } from '@paytrace/services';
import { chargePayment, paymentStatus, recentTransactions } from '../charges.js';
import type { StripeClient } from '../stripe.js';

const ChargeBody = Type.Object(
  {
    payment_id: Type.String({ minLength: 1, maxLength: 64 }),
    account_id: Type.String({ minLength: 1, maxLength: 64 }),
    amount: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const ChargeResponse = Type.Object({
  payment_id: Type.String(),
  status: Type.Literal('succeeded'),
  stripe_charge_id: Type.String(),
  charged_now: Type.Boolean(),
});
const Err = { $ref: 'ErrorResponse#' };

export function chargeRoutes(app: ServiceApp, db: pg.Pool, stripe: StripeClient): void {
  /** Charge the card through Stripe and log the transaction. */
  app.post(
    '/v1/charges',
    { schema: { body: ChargeBody, response: { 201: ChargeResponse, 400: Err, 409: Err, 502: Err, 503: Err, 504: Err } } },
    async function chargeCard(request, reply) {
      const { payment_id, account_id, amount, currency, description } = request.body;
      const result = await chargePayment(db, stripe, request.log, { paymentId: payment_id, accountId: account_id, amount, currency, description });
      reply.code(201);
      return result;
    },
  );

  app.get(
    '/v1/charges/:payment_id',
    {
      schema: {
        params: Type.Object({ payment_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ payment_id: Type.String(), status: Type.String() }) },
      },
    },
    async function statusOfPayment(request) {
      return paymentStatus(db, request.params.payment_id);
    },
  );

  app.get(
    '/v1/transactions',
    {
      schema: {
        querystring: Type.Object(
          { account_id: Type.String({ minLength: 1, maxLength: 64 }), limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            transactions: Type.Array(TransactionViewSchema),
          }),
        },
      },
    },
    async function transactionsOfAccount(request) {
      return { transactions: await recentTransactions(db, request.query.account_id, Number(request.query.limit ?? 10)) };
    },
  );
}
