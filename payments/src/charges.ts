import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { trace } from '@opentelemetry/api';
import { AppError, query, type Static } from '@paytrace/services';
import type {
  ChargeResult as ChargeResultSchema,
  PaymentStatus as PaymentStatusSchema,
  TransactionView as TransactionViewSchema,
} from './contract.js';
import type { StripeClient } from './stripe.js';

export interface ChargeInput {
  paymentId: string;
  accountId: string;
  amount: number;
  currency: string;
  description?: string | undefined;
}

export type ChargeResult = Static<typeof ChargeResultSchema>;

interface TransactionRow {
  payment_id: string;
  account_id: string;
  amount: string;
  currency: string;
  description: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  stripe_charge_id: string | null;
  failure_code: string | null;
  created_at: Date;
}

async function findSucceeded(db: pg.Pool, paymentId: string): Promise<TransactionRow | undefined> {
  const { rows } = await query<TransactionRow>(db, `SELECT * FROM payments.transactions WHERE payment_id = $1 AND status = 'succeeded'`, [paymentId]);
  return rows[0];
}

/**
 * Charges the card for a payment, once. Order matters for money:
 * 1. the attempt is logged as `pending` before Stripe is called, so it cannot be lost; a payment
 *    that already succeeded (or is in flight) gets no new attempt and is answered from the log;
 * 2. Stripe is called with the payment id as its Idempotency-Key;
 * 3. the attempt is completed as `succeeded` or `failed` ("log transaction").
 * If step 3 fails after Stripe charged, the charge is still a fact: we answer success and leave
 * the `pending` row (with the payment id Stripe also holds) for reconciliation.
 */
export async function chargePayment(
  db: pg.Pool,
  stripe: StripeClient,
  log: FastifyBaseLogger,
  input: ChargeInput,
  options: { stripeConnections?: number } = {},
): Promise<ChargeResult> {
  const attempt = await query<{ id: string }>(
    db,
    `INSERT INTO payments.transactions (payment_id, account_id, amount, currency, description, status)
     VALUES ($1, $2, $3, $4, $5, 'pending')
     ON CONFLICT (payment_id) WHERE status IN ('pending', 'succeeded') DO NOTHING
     RETURNING id`,
    [input.paymentId, input.accountId, input.amount, input.currency, input.description ?? null],
  );
  const attemptId = attempt.rows[0]?.id;
  if (attemptId === undefined) {
    // This payment already succeeded (answer from the log) or is being charged right now.
    const done = await findSucceeded(db, input.paymentId);
    if (!done) throw new AppError(409, 'payment_in_progress', 'This payment is being charged by another request.');
    if (Number(done.amount) !== input.amount || done.currency !== input.currency || done.account_id !== input.accountId) {
      throw new AppError(409, 'payment_conflict', 'This payment id was used for a different payment.');
    }
    return { payment_id: input.paymentId, status: 'succeeded', stripe_charge_id: done.stripe_charge_id ?? '', charged_now: false };
  }

  let chargeId: string;
  try {
    chargeId = (await stripe.charge(input, options.stripeConnections)).id;
  } catch (err) {
    const failureCode = err instanceof AppError ? err.code : 'internal_error';
    trace.getActiveSpan()?.setAttribute('paytrace.payment.outcome', failureCode);
    await query(db, `UPDATE payments.transactions SET status = 'failed', failure_code = $2, updated_at = now() WHERE id = $1`, [
      attemptId,
      failureCode,
    ]).catch((logErr: unknown) => log.error({ err: logErr, paymentId: input.paymentId }, 'could not log a failed charge attempt; it stays pending'));
    throw err;
  }

  try {
    await query(db, `UPDATE payments.transactions SET status = 'succeeded', stripe_charge_id = $2, updated_at = now() WHERE id = $1`, [
      attemptId,
      chargeId,
    ]);
  } catch (err) {
    log.error({ err, paymentId: input.paymentId }, 'charged, but the transaction log could not be completed; the attempt stays pending');
  }
  trace.getActiveSpan()?.setAttribute('paytrace.payment.outcome', 'succeeded');
  return { payment_id: input.paymentId, status: 'succeeded', stripe_charge_id: chargeId, charged_now: true };
}

export type PaymentStatus = Static<typeof PaymentStatusSchema>;

/** What happened to a payment: used by the gateway when its call to payments ended ambiguously. */
export async function paymentStatus(db: pg.Pool, paymentId: string): Promise<PaymentStatus> {
  const { rows } = await query<{ status: PaymentStatus['status'] }>(
    db,
    `SELECT status FROM payments.transactions WHERE payment_id = $1
      ORDER BY (status = 'succeeded') DESC, id DESC LIMIT 1`,
    [paymentId],
  );
  return { payment_id: paymentId, status: rows[0]?.status ?? 'unknown' };
}

export type TransactionView = Static<typeof TransactionViewSchema>;

export async function recentTransactions(db: pg.Pool, accountId: string, limit: number): Promise<TransactionView[]> {
  const { rows } = await query<TransactionRow>(
    db,
    `SELECT * FROM payments.transactions WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [accountId, limit],
  );
  return rows.map((r) => ({
    payment_id: r.payment_id,
    amount: Number(r.amount),
    currency: r.currency,
    description: r.description,
    status: r.status,
    failure_code: r.failure_code,
    created_at: r.created_at.toISOString(),
  }));
}
