/** balance's HTTP contract (@paytrace/balance/contract): holds and balances, as TypeBox schemas. */
import { Amount, Currency, Type } from '@paytrace/services';

/**
 * balance's HTTP contract: the schemas its routes validate and serialise with, published as
 * `@paytrace/balance/contract` so that callers (the gateway) are typed, and checked, by the same
 * definitions. Errors are the shared `ErrorResponse` envelope.
 */

/** A hold as every hold route answers it; `balance_after` is the balance once it was placed. */
export const Hold = Type.Object({
  hold_id: Type.String(),
  hold_key: Type.String(),
  account_id: Type.String(),
  currency: Type.String(),
  amount: Type.Integer(),
  status: Type.Union([Type.Literal('held'), Type.Literal('captured'), Type.Literal('released')]),
  balance_after: Type.Integer(),
});

/** POST /v1/holds: 201 placed, 200 already placed under this key, 402 insufficient funds. */
export const PlaceHoldBody = Type.Object(
  {
    hold_key: Type.String({ minLength: 1, maxLength: 128 }),
    account_id: Type.String({ minLength: 1, maxLength: 64 }),
    amount: Amount,
    currency: Currency,
  },
  { additionalProperties: false },
);

/** POST /v1/holds/:hold_key/capture and …/release. Holds are addressed by their key (the payment id). */
export const HoldParams = Type.Object({ hold_key: Type.String({ minLength: 1, maxLength: 128 }) });

/** GET /v1/accounts/:account_id/balances */
export const AccountParams = Type.Object({ account_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const Balances = Type.Object({ balances: Type.Array(Type.Object({ currency: Type.String(), balance: Type.Integer() })) });
