/** resetData(): every service's tables migrated and put back to the seed data, in one transaction. */
import pg from 'pg';
import { migrations as authMigrations, seed as seedAuth, SCHEMA as AUTH } from '@paytrace/auth/data';
import { migrations as balanceMigrations, seed as seedBalance, SCHEMA as BALANCE } from '@paytrace/balance/data';
import { migrations as gatewayMigrations, seed as seedGateway, SCHEMA as GATEWAY } from '@paytrace/gateway/data';
import { migrations as paymentsMigrations, seed as seedPayments, SCHEMA as PAYMENTS } from '@paytrace/payments/data';
import { migrate } from '@paytrace/services';

/**
 * Puts every service's tables back to the seed (alice 100000 usd, bob 5000 usd, the load
 * accounts; no payments, holds or idempotency keys), in one transaction. Migrations are applied
 * first, so it also works on a database no service has started against yet.
 */
export async function resetData(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await migrate(pool, AUTH, authMigrations);
    await migrate(pool, BALANCE, balanceMigrations);
    await migrate(pool, PAYMENTS, paymentsMigrations);
    await migrate(pool, GATEWAY, gatewayMigrations);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await seedGateway(client, { reset: true });
      await seedPayments(client, { reset: true });
      await seedBalance(client, { reset: true });
      await seedAuth(client, { reset: true });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
