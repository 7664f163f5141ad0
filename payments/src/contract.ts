/** payments' HTTP contract (@paytrace/payments/contract): a charge, a payment's status, the transaction log, as TypeBox. */
import { Amount, Currency, Description, Type } from '@paytrace/services';

/**
 * payments' HTTP contract: the schemas its routes validate and serialise with, published as
 * `@paytrace/payments/contract` so that callers (the gateway) are typed, and checked, by the same
 * definitions. Errors are the shared `ErrorResponse` envelope.
 */

/** POST /v1/charges: charge the card through Stripe (the payment id is its Idempotency-Key) and log it. */
export const ChargeBody = Type.Object(
  {
    payment_id: Type.String({ minLength: 1, maxLength: 64 }),
    account_id: Type.String({ minLength: 1, maxLength: 64 }),
    amount: Amount,
    currency: Currency,
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export const ChargeResult = Type.Object({
  payment_id: Type.String(),
  status: Type.Literal('succeeded'),
  stripe_charge_id: Type.String(),
  charged_now: Type.Boolean({ description: 'false when this payment had already succeeded and nothing was charged again.' }),
});

/** GET /v1/charges/:payment_id: what happened to a payment whose charge call ended without an answer. */
export const ChargeParams = Type.Object({ payment_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const PaymentStatus = Type.Object({
  payment_id: Type.String(),
  /** `succeeded` if any attempt succeeded, else the latest attempt's status; `unknown` if never attempted. */
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('unknown')]),
});

/** GET /v1/transactions?account_id=…&limit=…: an account's latest payment attempts, newest first. */
export const TransactionsQuery = Type.Object(
  { account_id: Type.String({ minLength: 1, maxLength: 64 }), limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$' })) },
  { additionalProperties: false },
);
/** One payment attempt as the transaction log shows it (and the gateway passes on in GET /accounts/me). */
export const TransactionView = Type.Object({
  payment_id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  failure_code: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});
export const Transactions = Type.Object({ transactions: Type.Array(TransactionView) });
