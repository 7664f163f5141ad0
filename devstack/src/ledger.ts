/** The ledger check: does the money add up across the services' tables? One SQL query, its violations, a report. */
import pg from 'pg';
import { HOT_ACCOUNT, SEED_BALANCES } from '@paytrace/balance/data';

/**
 * The ledger check: does the money add up across the services' tables? Shared by the resilience
 * tests and `npm run ledger`. The ledger holds when every payment has ended on both sides and
 * every balance is its seed minus what was charged:
 * - no hold is still `held` (the money is debited but neither captured nor given back);
 * - no charge attempt is still `pending` in payments' transaction log;
 * - every succeeded transaction has its captured hold (hold_key = payment_id), and every captured
 *   hold its succeeded transaction (the hot account's seeded history holds, `history_*`, are not
 *   payments and are left out);
 * - every balance is its seed (SEED_BALANCES) minus its captured holds (and minus its `held`
 *   holds, which are reported on their own: a balance off by exactly those is not counted twice);
 * - no payment is charged twice (two succeeded transactions) and no hold key has two holds;
 * - no payment is left `open` in the gateway's settlement record (gateway.payments).
 */
export const LEDGER_SQL = `
WITH seed AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS s (account_id, currency, balance)
),
payment_holds AS (
  SELECT * FROM balance.holds WHERE NOT (account_id = $4 AND hold_key LIKE 'history\\_%')
),
hold_sums AS (
  SELECT account_id, currency,
         sum(amount) FILTER (WHERE status = 'captured') AS captured,
         sum(amount) FILTER (WHERE status = 'held') AS held
    FROM payment_holds GROUP BY account_id, currency
),
accounts AS (
  SELECT account_id, currency, b.balance, s.balance AS seed, coalesce(h.captured, 0) AS captured, coalesce(h.held, 0) AS held
    FROM balance.balances b
    FULL JOIN seed s USING (account_id, currency)
    LEFT JOIN hold_sums h USING (account_id, currency)
),
wrong_balances AS (
  SELECT account_id || ' ' || currency AS id, coalesce(balance, 0) - (coalesce(seed, 0) - captured - held) AS drift
    FROM accounts
   WHERE balance IS NULL OR seed IS NULL OR balance <> seed - captured - held
),
held AS (SELECT hold_key AS id, amount FROM balance.holds WHERE status = 'held'),
pending AS (SELECT DISTINCT payment_id AS id FROM payments.transactions WHERE status = 'pending'),
succeeded_uncaptured AS (
  SELECT DISTINCT t.payment_id AS id FROM payments.transactions t
   WHERE t.status = 'succeeded'
     AND NOT EXISTS (SELECT 1 FROM balance.holds h WHERE h.hold_key = t.payment_id AND h.status = 'captured')
),
captured_unsucceeded AS (
  SELECT h.hold_key AS id FROM payment_holds h
   WHERE h.status = 'captured'
     AND NOT EXISTS (SELECT 1 FROM payments.transactions t WHERE t.payment_id = h.hold_key AND t.status = 'succeeded')
),
charged_twice AS (
  SELECT payment_id AS id FROM payments.transactions WHERE status = 'succeeded' GROUP BY payment_id HAVING count(*) > 1
),
holds_twice AS (SELECT hold_key AS id FROM balance.holds GROUP BY hold_key HAVING count(*) > 1),
open_payments AS (SELECT payment_id AS id FROM gateway.payments WHERE state = 'open'),
examples AS (
  SELECT jsonb_build_object(
    'held_holds', (SELECT jsonb_agg(id) FROM (SELECT id FROM held ORDER BY id LIMIT 3) x),
    'pending_transactions', (SELECT jsonb_agg(id) FROM (SELECT id FROM pending ORDER BY id LIMIT 3) x),
    'succeeded_without_capture', (SELECT jsonb_agg(id) FROM (SELECT id FROM succeeded_uncaptured ORDER BY id LIMIT 3) x),
    'captured_without_success', (SELECT jsonb_agg(id) FROM (SELECT id FROM captured_unsucceeded ORDER BY id LIMIT 3) x),
    'wrong_balances', (SELECT jsonb_agg(id) FROM (SELECT id FROM wrong_balances ORDER BY id LIMIT 3) x),
    'payments_charged_twice', (SELECT jsonb_agg(id) FROM (SELECT id FROM charged_twice ORDER BY id LIMIT 3) x),
    'hold_keys_used_twice', (SELECT jsonb_agg(id) FROM (SELECT id FROM holds_twice ORDER BY id LIMIT 3) x),
    'open_payments', (SELECT jsonb_agg(id) FROM (SELECT id FROM open_payments ORDER BY id LIMIT 3) x)
  ) AS examples
)
SELECT
  (SELECT count(*) FROM held)::int                   AS held_holds,
  (SELECT coalesce(sum(amount), 0) FROM held)::text  AS held_amount,
  (SELECT count(*) FROM pending)::int                AS pending_transactions,
  (SELECT count(*) FROM succeeded_uncaptured)::int   AS succeeded_without_capture,
  (SELECT count(*) FROM captured_unsucceeded)::int   AS captured_without_success,
  (SELECT count(*) FROM wrong_balances)::int         AS wrong_balances,
  (SELECT coalesce(sum(drift), 0) FROM wrong_balances)::text AS balance_drift,
  (SELECT count(*) FROM charged_twice)::int          AS payments_charged_twice,
  (SELECT count(*) FROM holds_twice)::int            AS hold_keys_used_twice,
  (SELECT count(*) FROM open_payments)::int          AS open_payments,
  (SELECT count(DISTINCT payment_id) FROM payments.transactions WHERE status = 'succeeded')::int AS succeeded_payments,
  (SELECT count(*) FROM payment_holds WHERE status = 'captured')::int AS captured_holds,
  (SELECT examples FROM examples)                    AS examples
`;

/** Each kind of violation, as counted by LEDGER_SQL. */
export const VIOLATIONS = [
  'held_holds',
  'pending_transactions',
  'succeeded_without_capture',
  'captured_without_success',
  'wrong_balances',
  'payments_charged_twice',
  'hold_keys_used_twice',
  'open_payments',
] as const;
export type Violation = (typeof VIOLATIONS)[number];

/** The one row LEDGER_SQL returns. */
export type LedgerRow = Record<Violation, number> & {
  /** Cents debited by holds still `held`. */
  held_amount: string;
  /** Σ (balance − (seed − captured − held)) over the wrong balances, in cents. */
  balance_drift: string;
  /** For context: payments charged (distinct payment ids with a succeeded transaction)… */
  succeeded_payments: number;
  /** …and captured holds (without the seeded history). */
  captured_holds: number;
  /** Up to three ids (payment ids, hold keys, or `account currency`) per violation found. */
  examples: Partial<Record<Violation, string[] | null>>;
};

export interface LedgerReport {
  /** True when no violation was found. */
  holds: boolean;
  /** One human-readable line per kind of violation found (none when the ledger holds). */
  problems: string[];
  /** One line: the verdict and how many payments it covers. */
  summary: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const DESCRIBE: Record<Violation, (row: LedgerRow) => string> = {
  held_holds: (r) => `${plural(r.held_holds, 'hold is', 'holds are')} still 'held' (${r.held_amount} cents debited, neither captured nor given back)`,
  pending_transactions: (r) => `${plural(r.pending_transactions, 'payment has a charge attempt', 'payments have a charge attempt')} still 'pending'`,
  succeeded_without_capture: (r) =>
    `${plural(r.succeeded_without_capture, 'payment was', 'payments were')} charged (succeeded) without a captured hold`,
  captured_without_success: (r) => `${plural(r.captured_without_success, 'hold was', 'holds were')} captured without a succeeded transaction`,
  wrong_balances: (r) =>
    `${plural(r.wrong_balances, 'balance differs', 'balances differ')} from seed − captured − held (by ${r.balance_drift} cents in all)`,
  payments_charged_twice: (r) =>
    `${plural(r.payments_charged_twice, 'payment was', 'payments were')} charged twice (more than one succeeded transaction)`,
  hold_keys_used_twice: (r) => `${plural(r.hold_keys_used_twice, 'hold key has', 'hold keys have')} more than one hold`,
  open_payments: (r) => `${plural(r.open_payments, 'payment is', 'payments are')} still 'open' in gateway.payments (not settled)`,
};

/** The verdict on a ledger row: pure, so it is unit-tested without a database. */
export function ledgerReport(row: LedgerRow): LedgerReport {
  const problems = VIOLATIONS.filter((v) => row[v] !== 0).map((v) => {
    const examples = row.examples?.[v];
    return examples?.length ? `${DESCRIBE[v](row)}, e.g. ${examples.join(', ')}` : DESCRIBE[v](row);
  });
  const holds = problems.length === 0;
  const covered = `${plural(row.succeeded_payments, 'payment', 'payments')} charged, ${plural(row.captured_holds, 'hold', 'holds')} captured`;
  const summary = holds
    ? `the ledger holds (${covered})`
    : `the ledger does NOT hold: ${plural(problems.length, 'problem', 'problems')} (${covered})`;
  return { holds, problems, summary };
}

/**
 * Runs the ledger check (one SQL statement) on a database URL, a pool or a client, and returns its
 * row of counts; `ledgerReport` turns it into a verdict.
 */
export async function checkLedger(db: string | pg.Pool | pg.Client | pg.PoolClient): Promise<LedgerRow> {
  const params = [
    SEED_BALANCES.map((s) => s.accountId),
    SEED_BALANCES.map((s) => s.currency),
    SEED_BALANCES.map((s) => String(s.balance)),
    HOT_ACCOUNT,
  ];
  if (typeof db !== 'string') return (await db.query<LedgerRow>(LEDGER_SQL, params)).rows[0]!;
  // Bounded, so a frozen or unreachable database is an error, not a hang.
  const client = new pg.Client({ connectionString: db, connectionTimeoutMillis: 10_000, statement_timeout: 30_000 });
  await client.connect();
  try {
    return (await client.query<LedgerRow>(LEDGER_SQL, params)).rows[0]!;
  } finally {
    await client.end();
  }
}
