import type pg from 'pg';
import { query, type Migration } from '@paytrace/services';

/**
 * gateway owns the idempotency records: one per (account, Idempotency-Key), holding a hash of the
 * request and, once finished, the response to replay.
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
];

export async function seed(db: pg.Pool | pg.PoolClient, options: { reset?: boolean } = {}): Promise<void> {
  if (options.reset) await query(db, 'TRUNCATE gateway.idempotency_keys');
}
