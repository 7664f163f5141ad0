/** The reconciler: drives every payment a failure left open to its end, in the background, each run a linked trace. */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { Hold, type PlaceHoldBody } from '@paytrace/balance/contract';
import { PAYMENT_ID_ATTRIBUTE, inLinkedTrace, upstreamAnswer, type Static } from '@paytrace/services';
import { forPayment } from './authentication.js';
import { captureHold, chargeStatus, releaseHold } from './payment-flow.js';
import { leaseStuckPayments, settlePayment, type StuckPayment } from './settlement.js';
import type { Upstreams } from './upstreams.js';

export interface ReconcilerOptions {
  db: pg.Pool;
  upstreams: Upstreams;
  log: FastifyBaseLogger;
  /** How often it looks for open payments whose lease ran out. */
  intervalMs: number;
  /** Payments taken per look. */
  batchSize: number;
  /** How long one run of one payment may take (it is leased for that long, plus the backoff). */
  runMs: number;
  /** The first retry's backoff; it doubles with each attempt, with full jitter, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** How one reconciliation run of a payment ended (`paytrace.reconcile.outcome`). */
export type ReconcileOutcome = 'succeeded' | 'released' | 'retry_later';

/**
 * The reconciler: drives every payment left open (settlement.ts) to its end, in the background of
 * the gateway. The truth about the charge is payments' transaction log:
 * - charged (`succeeded`): capture the hold; if the hold had been released meanwhile (a request
 *   gave up on a charge that then went through), place it again first, so the books match;
 * - not charged (`failed`, or `unknown`: never attempted, and its lease, longer than any request's
 *   deadline, guarantees no request is still about to): release the hold (404: never placed);
 * - `pending` (the charge's outcome was never logged: payments died or its database froze mid
 *   charge): ask payments to resolve it (it asks Stripe again under the same Idempotency-Key), and
 *   come back later if it cannot yet.
 * Every run is a trace of its own (`reconcile payment`), linked to the payment's original request.
 */
export function startReconciler(options: ReconcilerOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      const stuck = await leaseStuckPayments(options.db, {
        limit: options.batchSize,
        runMs: options.runMs,
        backoffMs: options.backoffMs,
        maxBackoffMs: options.maxBackoffMs,
      });
      // One at a time: after an outage the reconciler must not become a herd of its own.
      for (const payment of stuck) {
        if (stopped) break;
        await reconcilePayment(options, payment).catch((err: unknown) =>
          options.log.warn({ err, paymentId: payment.payment_id }, 'reconciliation run failed; the payment stays open and is retried later'),
        );
      }
    } catch (err) {
      options.log.warn({ err }, 'could not look for open payments (database unavailable?); looking again shortly');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** One reconciliation run of one payment, as a trace of its own. */
export async function reconcilePayment(
  options: Pick<ReconcilerOptions, 'db' | 'upstreams' | 'log' | 'runMs'>,
  payment: StuckPayment,
): Promise<ReconcileOutcome> {
  const { upstreams, log, db } = options;
  const paymentId = payment.payment_id;
  return inLinkedTrace(
    'reconcile payment',
    { traceparent: payment.traceparent, attributes: { [PAYMENT_ID_ATTRIBUTE]: paymentId, 'paytrace.reconcile.attempt': payment.attempts } },
    async (span) => {
      const deadline = Date.now() + options.runMs;
      let status = await chargeStatus(upstreams, paymentId);
      if (status === 'pending') {
        const res = await upstreams.payments
          .request('POST', `/v1/charges/${encodeURIComponent(paymentId)}/resolve`, { headers: forPayment(paymentId), deadline })
          .catch(() => undefined);
        if (res?.status === 200) status = (res.body as { status: typeof status }).status;
      }
      span.setAttribute('paytrace.reconcile.charge_status', status ?? 'unreachable');

      let result: ReconcileOutcome = 'retry_later';
      if (status === 'succeeded') {
        if (await captureCharged(options, payment, deadline)) result = 'succeeded';
      } else if (status === 'failed' || status === 'unknown') {
        if (await releaseHold(upstreams, log, paymentId)) result = 'released';
      }
      if (result !== 'retry_later') await settlePayment(db, paymentId, result);
      span.setAttribute('paytrace.reconcile.outcome', result);
      if (result !== 'retry_later') log.info({ paymentId, outcome: result, attempt: payment.attempts }, 'reconciled a payment left open');
      return result;
    },
  );
}

/** Captures a charged payment's hold, placing it again first if it had been released. */
async function captureCharged(options: Pick<ReconcilerOptions, 'upstreams' | 'log'>, payment: StuckPayment, deadline: number): Promise<boolean> {
  const { upstreams, log } = options;
  const paymentId = payment.payment_id;
  if (await captureHold(upstreams, log, paymentId)) return true;
  // The usual reason a capture fails here is that balance is still away. The other one is a hold
  // released by a request that gave up on this charge before it went through: place it again
  // (the hold key makes that idempotent), then capture.
  const res = await upstreams.balance
    .request('POST', '/v1/holds', {
      headers: forPayment(paymentId),
      deadline,
      body: {
        hold_key: paymentId,
        account_id: payment.account_id,
        amount: Number(payment.amount),
        currency: payment.currency as Static<typeof PlaceHoldBody>['currency'],
      } satisfies Static<typeof PlaceHoldBody>,
    })
    .catch(() => undefined);
  if (!res || (res.status !== 200 && res.status !== 201)) return false;
  upstreamAnswer('balance', Hold, res);
  return captureHold(upstreams, log, paymentId);
}
