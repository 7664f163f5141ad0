/** balance's data: the balance schema's migration (balances, holds), the seed balances and the hot account's history. */
import type pg from 'pg';
import { query, type Migration } from '@paytrace/services';

/**
 * balance owns the money: one row per (account, currency) and the holds placed on it.
 * A hold debits the balance at once (so two payments can never spend the same money) and is then
 * captured (the charge went through) or released (it did not: the amount goes back).
 */
export const SCHEMA = 'balance';

export const migrations: Migration[] = [
  {
    id: '001_balances_and_holds',
    sql: `
      CREATE TABLE balance.balances (
        account_id text   NOT NULL,
        currency   text   NOT NULL,
        balance    bigint NOT NULL CONSTRAINT balance_never_negative CHECK (balance >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, currency)
      );
      CREATE TABLE balance.holds (
        id         uuid   PRIMARY KEY DEFAULT gen_random_uuid(),
        hold_key   text   NOT NULL UNIQUE,
        account_id text   NOT NULL,
        currency   text   NOT NULL,
        amount     bigint NOT NULL CHECK (amount > 0),
        status     text   NOT NULL CHECK (status IN ('held', 'captured', 'released')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (account_id, currency) REFERENCES balance.balances (account_id, currency)
      );
      CREATE INDEX holds_account_idx ON balance.holds (account_id, created_at DESC);
    `,
  },
];

/** Seed balances, in minor units. alice and bob are the documented accounts; load_* serve the load tests (loadtest/traffic-mix.js). */
/** The bottleneck detective's hot account (auth's seed has its key, `test_key_hot`). */
export const HOT_ACCOUNT = 'acct_hot';

export const SEED_BALANCES = [
  { accountId: 'acct_alice', currency: 'usd', balance: 100_000 },
  { accountId: 'acct_bob', currency: 'usd', balance: 5_000 },
  ...Array.from({ length: 20 }, (_, i) => ({
    accountId: `acct_load_${String(i + 1).padStart(2, '0')}`,
    currency: 'usd',
    balance: 1_000_000_000_000,
  })),
  { accountId: HOT_ACCOUNT, currency: 'usd', balance: 1_000_000_000_000 },
];

/** Captured holds of the hot account over the last 24 hours (see seedHotAccountHistory). */
export const HOT_ACCOUNT_HISTORY = 100_000;

/**
 * A busy merchant's day: what the detective's velocity-check fault (holds.ts) sums up while it
 * holds the account's row lock. Inserted once, only for the hot account, already captured, so no
 * other account's holds or balance change.
 */
async function seedHotAccountHistory(db: pg.Pool | pg.PoolClient): Promise<void> {
  await query(
    db,
    `INSERT INTO balance.holds (hold_key, account_id, currency, amount, status, created_at, updated_at)
     SELECT 'history_' || g, $1, 'usd', 100, 'captured', now() - g * interval '1 second', now() - g * interval '1 second'
       FROM generate_series(1, $2::int) g
      WHERE NOT EXISTS (SELECT 1 FROM balance.holds WHERE hold_key = 'history_1')`,
    [HOT_ACCOUNT, HOT_ACCOUNT_HISTORY],
  );
}

/** Inserts the seed balances; with `reset`, first removes every hold and balance. */
export async function seed(db: pg.Pool | pg.PoolClient, options: { reset?: boolean } = {}): Promise<void> {
  if (options.reset) await query(db, 'TRUNCATE balance.holds, balance.balances');
  for (const row of SEED_BALANCES) {
    await query(
      db,
      'INSERT INTO balance.balances (account_id, currency, balance) VALUES ($1, $2, $3) ON CONFLICT (account_id, currency) DO NOTHING',
      [row.accountId, row.currency, row.balance],
    );
  }
  await seedHotAccountHistory(db);
}
