/** The gateway's data: the gateway schema's migrations (idempotency keys, the payments' settlement record) and its reset. */
import type pg from 'pg';
import { query, type Migration } from '@paytrace/services';

/**
 * gateway owns the idempotency records (one per account and Idempotency-Key, holding a hash of the
 * request and, once finished, the response to replay) and the payments' settlement record (one per
 * payment: which step it is at, so that a payment left open by a failure or a crash is driven to
 * its end by the reconciler; see settlement.ts).
 */
export const SCHEMA = 'gateway';

export const migrations: Migration[] = [
  {
    id: '001_idempotency_keys',
    sql: `
      CREATE TABLE gateway.idempotency_keys (
        account_id      text  NOT NULL,
        idempotency_key text  NOT NULL,
        request_sha256  bytea NOT NULL,
        payment_id      text  NOT NULL,
        state           text  NOT NULL CHECK (state IN ('in_progress', 'completed', 'retryable')),
        response_status integer,
        response_body   jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, idempotency_key)
      );
    `,
  },
  {
    id: '002_payment_settlement',
    sql: `
      CREATE TABLE gateway.payments (
        payment_id  text   PRIMARY KEY,
        account_id  text   NOT NULL,
        amount      bigint NOT NULL,
        currency    text   NOT NULL,
        -- 'open' from before the hold is placed until the hold is captured or released.
        state       text   NOT NULL CHECK (state IN ('open', 'settled')),
        -- How it ended, once settled: succeeded (charged, hold captured), released (not charged,
        -- hold given back) or refused (no hold was placed: insufficient funds).
        outcome     text   CHECK (outcome IN ('succeeded', 'released', 'refused')),
        -- The W3C traceparent of the request that started it: reconciliation traces link to it.
        traceparent text,
        -- Reconciliation runs so far, and when the next may start (the request's own lease first).
        attempts    integer NOT NULL DEFAULT 0,
        lease_until timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX payments_open_idx ON gateway.payments (lease_until) WHERE state = 'open';
    `,
  },
];

export async function seed(db: pg.Pool | pg.PoolClient, options: { reset?: boolean } = {}): Promise<void> {
  if (options.reset) await query(db, 'TRUNCATE gateway.idempotency_keys, gateway.payments');
}
