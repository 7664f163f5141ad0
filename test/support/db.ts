import pg from 'pg';
import { databaseUrl } from './env.js';

export { resetData } from '@paytrace/devstack';

/** A direct connection for assertions on what the services stored. */
export function testPool(url = databaseUrl): pg.Pool {
  return new pg.Pool({ connectionString: url, max: 4 });
}

export async function balanceOf(db: pg.Pool, accountId: string, currency = 'usd'): Promise<number> {
  const { rows } = await db.query<{ balance: string }>('SELECT balance FROM balance.balances WHERE account_id = $1 AND currency = $2', [
    accountId,
    currency,
  ]);
  if (!rows[0]) throw new Error(`no ${currency} balance for ${accountId}`);
  return Number(rows[0].balance);
}

export async function transactionsOf(db: pg.Pool, paymentId: string): Promise<Array<{ status: string; failure_code: string | null }>> {
  const { rows } = await db.query('SELECT status, failure_code FROM payments.transactions WHERE payment_id = $1 ORDER BY id', [paymentId]);
  return rows;
}
