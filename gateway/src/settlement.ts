/** The payments' settlement record (gateway.payments): opened before the hold, settled after, leased to the reconciler. */
import type pg from 'pg';
import { query } from '@paytrace/services';

/**
 * The gateway's settlement record of each payment (table `gateway.payments`): written *before*
 * the hold is placed, marked settled once the hold is captured or released. A payment whose
 * request ends any other way (a capture that failed after the card was charged, a charge whose
 * outcome is unknown, a gateway killed mid-payment) stays open, and the reconciler
 * (reconciler.ts) drives it to its end once its lease has run out.
 */
export type SettledOutcome = 'succeeded' | 'released' | 'refused';

export interface OpenPayment {
  paymentId: string;
  accountId: string;
  amount: number;
  currency: string;
  /** The request's span as a W3C traceparent: each reconciliation trace links to it. */
  traceparent: string | undefined;
  /** How long the request itself may work on the payment before the reconciler may take over. */
  leaseMs: number;
}

/**
 * Opens the record (or reopens it: a retry under the same Idempotency-Key runs the same payment
 * id again, after its earlier attempt was settled as released).
 */
export async function openPayment(db: pg.Pool, payment: OpenPayment): Promise<void> {
  await query(
    db,
    `INSERT INTO gateway.payments (payment_id, account_id, amount, currency, state, traceparent, lease_until)
     VALUES ($1, $2, $3, $4, 'open', $5, now() + make_interval(secs => $6))
     ON CONFLICT (payment_id) DO UPDATE
       SET state = 'open', outcome = NULL, traceparent = EXCLUDED.traceparent, lease_until = EXCLUDED.lease_until, updated_at = now()`,
    [payment.paymentId, payment.accountId, payment.amount, payment.currency, payment.traceparent ?? null, payment.leaseMs / 1000],
  );
}

/** Marks the payment settled; true if this call settled it (false: it was not open). */
export async function settlePayment(db: pg.Pool, paymentId: string, outcome: SettledOutcome): Promise<boolean> {
  const { rowCount } = await query(
    db,
    `UPDATE gateway.payments SET state = 'settled', outcome = $2, updated_at = now() WHERE payment_id = $1 AND state = 'open'`,
    [paymentId, outcome],
  );
  return rowCount === 1;
}

export interface StuckPayment {
  payment_id: string;
  account_id: string;
  amount: string;
  currency: string;
  traceparent: string | null;
  /** Reconciliation runs including this one. */
  attempts: number;
}

/**
 * Takes up to `limit` open payments whose lease has run out, and leases them to this run: the
 * next run may look at them again after `runMs` plus a backoff that doubles with every attempt
 * (from `backoffMs`, at most `maxBackoffMs`) with full jitter, so that payments left open by one
 * outage are not all retried in the same instant when the dependency comes back. SKIP LOCKED
 * lets several gateways reconcile side by side without taking the same payment.
 */
export async function leaseStuckPayments(
  db: pg.Pool,
  options: { limit: number; runMs: number; backoffMs: number; maxBackoffMs: number },
): Promise<StuckPayment[]> {
  const { rows } = await query<StuckPayment>(
    db,
    `UPDATE gateway.payments p
        SET attempts = p.attempts + 1, updated_at = now(),
            lease_until = now() + make_interval(secs => $2 + random() * least($4, $3 * power(2, p.attempts)))
      WHERE p.payment_id IN (
              SELECT payment_id FROM gateway.payments
               WHERE state = 'open' AND lease_until < now()
               ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING p.payment_id, p.account_id, p.amount, p.currency, p.traceparent, p.attempts`,
    [options.limit, options.runMs / 1000, options.backoffMs / 1000, options.maxBackoffMs / 1000],
  );
  return rows;
}
