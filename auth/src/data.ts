/** auth's data: the auth schema's migration (accounts, API keys stored as SHA-256), key hashing and the seed accounts. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { query, type Migration } from '@paytrace/services';

/** auth owns the accounts and their API keys. Only a SHA-256 of each key is stored. */
export const SCHEMA = 'auth';

export const migrations: Migration[] = [
  {
    id: '001_accounts_and_keys',
    sql: `
      CREATE TABLE auth.accounts (
        id         text PRIMARY KEY,
        name       text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE auth.api_keys (
        key_sha256 bytea PRIMARY KEY,
        account_id text NOT NULL REFERENCES auth.accounts (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
    `,
  },
];

/** API keys are long random tokens, so a fast unsalted hash is enough to make a stolen table useless. */
export function hashApiKey(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey, 'utf8').digest();
}

/** Accounts every fresh stack has. The load-test accounts give the load generators many independent rows to debit. */
export const SEED_ACCOUNTS = [
  { id: 'acct_alice', name: 'alice', apiKey: 'test_key_alice' },
  { id: 'acct_bob', name: 'bob', apiKey: 'test_key_bob' },
  // The bottleneck detective's hot account: one merchant sending most of the traffic.
  { id: 'acct_hot', name: 'hot', apiKey: 'test_key_hot' },
  ...Array.from({ length: 20 }, (_, i) => ({
    id: `acct_load_${String(i + 1).padStart(2, '0')}`,
    name: `load_${String(i + 1).padStart(2, '0')}`,
    apiKey: `test_key_load_${String(i + 1).padStart(2, '0')}`,
  })),
];

/** Inserts the seed accounts; with `reset`, first removes every other account and key. */
export async function seed(db: pg.Pool | pg.PoolClient, options: { reset?: boolean } = {}): Promise<void> {
  if (options.reset) await query(db, 'TRUNCATE auth.api_keys, auth.accounts');
  for (const account of SEED_ACCOUNTS) {
    await query(db, 'INSERT INTO auth.accounts (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [account.id, account.name]);
    await query(db, 'INSERT INTO auth.api_keys (key_sha256, account_id) VALUES ($1, $2) ON CONFLICT (key_sha256) DO NOTHING', [
      hashApiKey(account.apiKey),
      account.id,
    ]);
  }
  await seedRotatedKeys(db);
}

/** Revoked keys kept for audit after rotations: enough that a scan of the table is measurable. */
export const ROTATED_KEYS = 100_000;

/**
 * Real key tables keep every key ever issued. These make the detective's unindexed-lookup fault
 * (routes/keys.ts) cost what a full scan costs; an indexed lookup does not notice them. Inserted
 * once: a restart finds them there.
 */
async function seedRotatedKeys(db: pg.Pool | pg.PoolClient): Promise<void> {
  await query(
    db,
    `INSERT INTO auth.api_keys (key_sha256, account_id, created_at, revoked_at)
     SELECT sha256(convert_to('rotated_key_' || g, 'UTF8')), 'acct_load_' || lpad((g % 20 + 1)::text, 2, '0'),
            now() - interval '1 year', now() - interval '1 day'
       FROM generate_series(1, $1::int) g
      WHERE NOT EXISTS (SELECT 1 FROM auth.api_keys WHERE revoked_at IS NOT NULL)`,
    [ROTATED_KEYS],
  );
}
