/** Charging a payment: the transaction log written around the Stripe call, a payment's status, a pending charge resolved. */
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { trace } from '@opentelemetry/api';
import { AppError, deadlineExceeded, query, remainingMs, type Static } from '@paytrace/services';
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

/** The share of a charge's deadline kept for logging its outcome. */
const LOG_WRITE_RESERVE_MS = 200;
/** Less time than this for Stripe (its p99 is far above): not worth starting. */
const MIN_STRIPE_TIME_MS = 100;

/** Connection errors that mean the request never left: Stripe cannot have charged. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether a failed Stripe call may still have charged: it timed out, or its connection broke,
 * after the request was sent. A decline, Stripe's own error answer, our breaker's refusal or a
 * connection that was never made are answers: not charged.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof AppError)) return false;
  if (err.code === 'dependency_timeout') return true;
  if (err.code !== 'dependency_unavailable') return false;
  const cause = err.cause as { code?: string; cause?: { code?: string } } | undefined;
  const code = cause?.code ?? cause?.cause?.code;
  return !(code && NOT_SENT.has(code));
}

/** payments' answer when it cannot know whether the card was charged (see outcomeUnknown). */
export const chargeOutcomeUnknown = (cause?: unknown) =>
  new AppError(
    504,
    'charge_outcome_unknown',
    'The payment provider did not answer in time; the charge is being settled. Retry with the same Idempotency-Key to learn its outcome.',
    {
      cause,
    },
  );

/**
 * Charges the card for a payment, once. Order matters for money:
 * 1. the attempt is logged as `pending` before Stripe is called, so it cannot be lost; a payment
 *    that already succeeded (or is in flight) gets no new attempt and is answered from the log;
 * 2. Stripe is called with the payment id as its Idempotency-Key;
 * 3. the attempt is completed as `succeeded` or `failed` ("log transaction").
 * If step 3 fails after Stripe charged, the charge is still a fact: we answer success and leave
 * the `pending` row (with the payment id Stripe also holds) for reconciliation. If Stripe's answer
 * never came (a timeout, a connection broken mid-request), the outcome is unknown: the row stays
 * `pending` and the answer is 504 `charge_outcome_unknown`; the gateway keeps the hold and its
 * reconciler settles the payment (resolvePendingCharge asks Stripe again under the same key).
 */
export async function chargePayment(
  db: pg.Pool,
  stripe: StripeClient,
  log: FastifyBaseLogger,
  input: ChargeInput,
  options: { stripeConnections?: number; deadline?: number | undefined } = {},
): Promise<ChargeResult> {
  // Stripe gets what remains of the caller's time less the log write's share, so that the outcome
  // is logged before the caller stops waiting. Too little left: no attempt, nothing charged.
  const stripeDeadline = options.deadline === undefined ? undefined : options.deadline - LOG_WRITE_RESERVE_MS;
  if (remainingMs(stripeDeadline) < MIN_STRIPE_TIME_MS) throw deadlineExceeded('the charge');
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
    chargeId = (await stripe.charge({ ...input, deadline: stripeDeadline }, options.stripeConnections)).id;
  } catch (err) {
    if (outcomeUnknown(err)) {
      // Stripe may have charged: the attempt stays pending, and so does the hold at the gateway,
      // until the reconciler resolves it under the same Idempotency-Key (resolvePendingCharge).
      trace.getActiveSpan()?.setAttribute('paytrace.payment.outcome', 'unknown');
      throw chargeOutcomeUnknown(err);
    }
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

/**
 * Settles a charge whose outcome was never logged (`pending`: payments died, or its database froze,
 * between calling Stripe and logging the answer). Stripe is asked again under the same
 * Idempotency-Key (the payment id): it answers with the original charge and never charges twice.
 * Only an attempt older than `staleAfterMs` is touched, so a charge still under way is left alone.
 * Returns the payment's status afterwards (still `pending` if Stripe cannot be asked now).
 */
export async function resolvePendingCharge(
  db: pg.Pool,
  stripe: StripeClient,
  log: FastifyBaseLogger,
  paymentId: string,
  options: { staleAfterMs: number; deadline?: number | undefined },
): Promise<PaymentStatus> {
  const { rows } = await query<TransactionRow & { id: string }>(
    db,
    `SELECT * FROM payments.transactions
      WHERE payment_id = $1 AND status = 'pending' AND updated_at < now() - make_interval(secs => $2)
      ORDER BY id DESC LIMIT 1`,
    [paymentId, options.staleAfterMs / 1000],
  );
  const attempt = rows[0];
  if (!attempt) return paymentStatus(db, paymentId);
  const input = {
    paymentId,
    accountId: attempt.account_id,
    amount: Number(attempt.amount),
    currency: attempt.currency,
    description: attempt.description ?? undefined,
  };
  try {
    const charge = await stripe.charge({ ...input, deadline: options.deadline });
    await query(
      db,
      `UPDATE payments.transactions SET status = 'succeeded', stripe_charge_id = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
      [attempt.id, charge.id],
    );
  } catch (err) {
    // A decline is an answer: the card was not charged. Anything else: still unknown, ask later.
    if (!(err instanceof AppError && err.statusCode === 502)) {
      log.warn({ err, paymentId }, 'could not resolve a pending charge now; it stays pending');
      return paymentStatus(db, paymentId);
    }
    await query(
      db,
      `UPDATE payments.transactions SET status = 'failed', failure_code = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
      [attempt.id, err.code],
    );
  }
  return paymentStatus(db, paymentId);
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
