/** The holds a payment places and settles: place, capture, release, and an account's balances, as SQL on balance's tables. */
import type pg from 'pg';
import { trace } from '@opentelemetry/api';
import { AppError, notFound, query, withTransaction, type Static } from '@paytrace/services';
import type { Hold as HoldSchema } from './contract.js';

export type Hold = Static<typeof HoldSchema>;

interface HoldRow {
  id: string;
  hold_key: string;
  account_id: string;
  currency: string;
  amount: string;
  status: Hold['status'];
}

const insufficientFunds = () => new AppError(402, 'insufficient_funds', 'The account balance does not cover this amount.');

/**
 * The only way money leaves a balance: a conditional UPDATE. Row locking makes concurrent debits
 * of one account take turns, and `balance >= $1` is re-checked after each wait, so no interleaving
 * can overdraw (the CHECK constraint is the second guard).
 */
async function debit(client: pg.PoolClient, accountId: string, currency: string, amount: number): Promise<number | undefined> {
  const { rows } = await query<{ balance: string }>(
    client,
    `UPDATE balance.balances SET balance = balance - $1, updated_at = now()
      WHERE account_id = $2 AND currency = $3 AND balance >= $1
      RETURNING balance`,
    [amount, accountId, currency],
  );
  return rows[0] ? Number(rows[0].balance) : undefined;
}

async function currentBalance(client: pg.PoolClient, accountId: string, currency: string): Promise<number> {
  const { rows } = await query<{ balance: string }>(client, 'SELECT balance FROM balance.balances WHERE account_id = $1 AND currency = $2', [
    accountId,
    currency,
  ]);
  return rows[0] ? Number(rows[0].balance) : 0;
}

function toHold(row: HoldRow, balanceAfter: number): Hold {
  return {
    hold_id: row.id,
    hold_key: row.hold_key,
    account_id: row.account_id,
    currency: row.currency,
    amount: Number(row.amount),
    status: row.status,
    balance_after: balanceAfter,
  };
}

/**
 * Fault `balance-velocity-check-under-lock` (the bottleneck detective's hot account): a risk
 * figure, the account's holds of the last 24 hours, is summed up after the debit, inside the
 * transaction, so the account's balance row stays locked while Postgres reads the day's history.
 * Every other payment of that account waits for the lock in its own debit (`UPDATE … balances`).
 * The fix: compute such figures before taking the lock (or keep a running total), and keep the
 * locked part of a transaction to the writes that need it.
 */
export const VELOCITY_UNDER_LOCK_FLAG = 'balance-velocity-check-under-lock';

async function holdsOfLastDay(client: pg.PoolClient, accountId: string): Promise<void> {
  const { rows } = await query<{ holds: number; total: string }>(
    client,
    `SELECT count(*)::int AS holds, coalesce(sum(amount), 0) AS total FROM balance.holds
      WHERE account_id = $1 AND created_at > now() - interval '24 hours'`,
    [accountId],
  );
  trace.getActiveSpan()?.setAttribute('paytrace.account.holds_last_day', rows[0]?.holds ?? 0);
}

/**
 * Places a hold of `amount` on the account, idempotently per `holdKey` (the payment id): asking
 * again returns the existing hold without a second debit; a released hold is placed again.
 */
export async function placeHold(
  db: pg.Pool,
  input: { holdKey: string; accountId: string; currency: string; amount: number },
  options: { velocityCheckUnderLock?: boolean } = {},
): Promise<{ hold: Hold; created: boolean }> {
  return withTransaction(db, async (client) => {
    // The unique hold_key makes a concurrent twin wait here until this transaction ends.
    const inserted = await query<HoldRow>(
      client,
      `INSERT INTO balance.holds (hold_key, account_id, currency, amount, status)
       SELECT $1, $2, $3, $4, 'held'
        WHERE EXISTS (SELECT 1 FROM balance.balances WHERE account_id = $2 AND currency = $3)
       ON CONFLICT (hold_key) DO NOTHING
       RETURNING id, hold_key, account_id, currency, amount, status`,
      [input.holdKey, input.accountId, input.currency, input.amount],
    );
    const fresh = inserted.rows[0];
    if (fresh) {
      const balanceAfter = await debit(client, input.accountId, input.currency, input.amount);
      if (balanceAfter === undefined) throw insufficientFunds(); // rolls the hold back too
      if (options.velocityCheckUnderLock) await holdsOfLastDay(client, input.accountId);
      return { hold: toHold(fresh, balanceAfter), created: true };
    }

    const existing = (
      await query<HoldRow>(client, 'SELECT id, hold_key, account_id, currency, amount, status FROM balance.holds WHERE hold_key = $1 FOR UPDATE', [
        input.holdKey,
      ])
    ).rows[0];
    // No hold and nothing inserted: the account has no balance in this currency at all.
    if (!existing) throw insufficientFunds();
    if (existing.account_id !== input.accountId || existing.currency !== input.currency || Number(existing.amount) !== input.amount) {
      throw new AppError(409, 'hold_key_conflict', 'This hold key was used for a different hold.');
    }
    if (existing.status !== 'released') {
      return { hold: toHold(existing, await currentBalance(client, input.accountId, input.currency)), created: false };
    }
    const balanceAfter = await debit(client, input.accountId, input.currency, input.amount);
    if (balanceAfter === undefined) throw insufficientFunds();
    const { rows } = await query<HoldRow>(
      client,
      `UPDATE balance.holds SET status = 'held', updated_at = now() WHERE id = $1
       RETURNING id, hold_key, account_id, currency, amount, status`,
      [existing.id],
    );
    return { hold: toHold(rows[0]!, balanceAfter), created: true };
  });
}

async function lockHold(client: pg.PoolClient, holdKey: string): Promise<HoldRow> {
  const { rows } = await query<HoldRow>(
    client,
    'SELECT id, hold_key, account_id, currency, amount, status FROM balance.holds WHERE hold_key = $1 FOR UPDATE',
    [holdKey],
  );
  if (!rows[0]) throw notFound('No such hold.');
  return rows[0];
}

/** Marks the held money as spent. Capturing twice is harmless; capturing a released hold is a conflict. */
export async function captureHold(db: pg.Pool, holdKey: string): Promise<Hold> {
  return withTransaction(db, async (client) => {
    const hold = await lockHold(client, holdKey);
    if (hold.status === 'released') throw new AppError(409, 'hold_released', 'This hold was released and cannot be captured.');
    if (hold.status === 'held') {
      await query(client, `UPDATE balance.holds SET status = 'captured', updated_at = now() WHERE id = $1`, [hold.id]);
      hold.status = 'captured';
    }
    return toHold(hold, await currentBalance(client, hold.account_id, hold.currency));
  });
}

/** Gives the held money back. Releasing twice is harmless; releasing a captured hold is a conflict. */
export async function releaseHold(db: pg.Pool, holdKey: string): Promise<Hold> {
  return withTransaction(db, async (client) => {
    const hold = await lockHold(client, holdKey);
    if (hold.status === 'captured') throw new AppError(409, 'hold_captured', 'This hold was captured and cannot be released.');
    if (hold.status === 'held') {
      await query(client, `UPDATE balance.holds SET status = 'released', updated_at = now() WHERE id = $1`, [hold.id]);
      await query(client, 'UPDATE balance.balances SET balance = balance + $1, updated_at = now() WHERE account_id = $2 AND currency = $3', [
        hold.amount,
        hold.account_id,
        hold.currency,
      ]);
      hold.status = 'released';
    }
    return toHold(hold, await currentBalance(client, hold.account_id, hold.currency));
  });
}

export async function listBalances(db: pg.Pool, accountId: string): Promise<Array<{ currency: string; balance: number }>> {
  const { rows } = await query<{ currency: string; balance: string }>(
    db,
    'SELECT currency, balance FROM balance.balances WHERE account_id = $1 ORDER BY currency',
    [accountId],
  );
  return rows.map((r) => ({ currency: r.currency, balance: Number(r.balance) }));
}
