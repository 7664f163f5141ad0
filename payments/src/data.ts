/** payments' data: the payments schema's migration (the transaction log, one row per charge attempt) and its seed. */
import type pg from 'pg';
import { query, type Migration } from '@paytrace/services';

/**
 * payments owns the transaction log: one row per charge attempt, written before Stripe is called
 * (status `pending`) and completed after, so no attempt is ever lost, even when this process dies
 * mid-call. A payment id can succeed at most once.
 */
export const SCHEMA = 'payments';

export const migrations: Migration[] = [
  {
    id: '001_transactions',
    sql: `
      CREATE TABLE payments.transactions (
        id               bigserial PRIMARY KEY,
        payment_id       text   NOT NULL,
        account_id       text   NOT NULL,
        amount           bigint NOT NULL CHECK (amount > 0),
        currency         text   NOT NULL,
        description      text,
        status           text   NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        stripe_charge_id text,
        failure_code     text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      );
      -- At most one attempt in flight or succeeded per payment: a payment is never charged twice,
      -- even by concurrent retries (stripe-mock, unlike Stripe, ignores the Idempotency-Key).
      CREATE UNIQUE INDEX transactions_one_open_attempt ON payments.transactions (payment_id) WHERE status IN ('pending', 'succeeded');
      CREATE INDEX transactions_payment_idx ON payments.transactions (payment_id);
      CREATE INDEX transactions_account_idx ON payments.transactions (account_id, created_at DESC);
    `,
  },
];

/** The transaction log starts empty; `reset` empties it. */
export async function seed(db: pg.Pool | pg.PoolClient, options: { reset?: boolean } = {}): Promise<void> {
  if (options.reset) await query(db, 'TRUNCATE payments.transactions');
}
