/** The gateway's public API as TypeBox schemas: POST /process-payment's body, headers and answer, GET /accounts/me's view. */
import { Balances } from '@paytrace/balance/contract';
import { Transactions } from '@paytrace/payments/contract';
import { Amount, Currency, Description, Type } from '@paytrace/services';

/**
 * The gateway's public API: the schemas its routes validate and serialise with, and from which
 * its OpenAPI document is generated (see openapi.ts). Errors are the shared `ErrorResponse`.
 */

export const ProcessPaymentBody = Type.Object(
  {
    amount: Amount,
    currency: Currency,
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);

export const ProcessPaymentHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      // What arrives: HTTP drops a header value's leading and trailing whitespace.
      pattern: '^[\\x21-\\x7E](?:[\\x20-\\x7E]{0,253}[\\x21-\\x7E])?$',
      description:
        '1–255 printable ASCII characters, not starting or ending with a space. The same key with the same body answers the first ' +
        'result again, without paying twice; with another body it is a 409.',
    }),
  ),
});

export const PaymentSucceeded = Type.Object({
  payment_id: Type.String(),
  trace_id: Type.Optional(Type.String({ description: 'Open it in Jaeger: /trace/<trace_id>' })),
  status: Type.Literal('succeeded'),
  amount: Amount,
  currency: Currency,
  balance_after: Type.Integer(),
});

export const AccountView = Type.Object({
  account_id: Type.String(),
  account_name: Type.String(),
  balances: Balances.properties.balances,
  recent_payments: Transactions.properties.transactions,
});
