/** One payment, step by step: hold on balance, charge on payments, capture or release, with its settlement record. */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { Hold, type PlaceHoldBody } from '@paytrace/balance/contract';
import { PaymentStatus, type ChargeBody } from '@paytrace/payments/contract';
import {
  AppError,
  PAYMENT_ID_ATTRIBUTE,
  recordFailure,
  serverSpan,
  throwIfError,
  toErrorResponse,
  traceResponseHeader,
  upstreamAnswer,
  type Currency,
  type JsonResponse,
  type Static,
} from '@paytrace/services';
import { forPayment } from './authentication.js';
import type { PaymentSucceeded } from './contract.js';
import type { StoredResponse } from './idempotency.js';
import { openPayment, settlePayment, type SettledOutcome } from './settlement.js';
import type { Upstreams } from './upstreams.js';

export interface PaymentRequest {
  paymentId: string;
  accountId: string;
  amount: number;
  currency: Static<typeof Currency>;
  description?: string | undefined;
}

/** What a payment runs with: the services behind the gateway, its own database, its log. */
export interface PaymentDeps {
  upstreams: Upstreams;
  db: pg.Pool;
  log: FastifyBaseLogger;
  /**
   * How long after the payment's deadline its request may still be settling it (one capture or
   * release, then the record's update) before the reconciler may take it over.
   */
  settleGraceMs: number;
}

/**
 * A final refusal (402, 502): answered to the client and, under an Idempotency-Key, replayed
 * later. It is not thrown, so it is recorded on the spans here rather than by the error handler.
 */
function finalRefusal(err: AppError): StoredResponse {
  recordFailure(err.code, err.statusCode, err);
  return { status: err.statusCode, body: toErrorResponse(err).body };
}

/**
 * One payment, in the order of the lesson's chart: hold the money (balance) → charge the card
 * (payments → Stripe, then the transaction log) → capture the hold. If the charge fails the hold
 * is released, so the account ends exactly where it started.
 *
 * Settlement cannot be lost: the payment is recorded as open (settlement.ts) before any money
 * moves and as settled once its hold is captured or released. Whatever else happens (a capture
 * that fails after the card was charged, a charge whose outcome is unknown, this process killed)
 * leaves it open, and the reconciler (reconciler.ts) finishes it once `deadline` plus the settle
 * grace has passed.
 *
 * `deadline` (ms since the epoch) bounds the work that starts money moving: the hold and the
 * charge, each told what remains. Settling what was started (capture, release) is not cut short
 * by it: it gets the upstream's own timeout, and the reconciler if that fails too.
 *
 * Returns the final answer (201, or a final refusal: 402 insufficient funds, 502 declined).
 * Throws an AppError (503/504) when a dependency failed and the same request may be retried (or a
 * 502 when balance answered outside its contract).
 */
export async function runPayment(deps: PaymentDeps, payment: PaymentRequest, deadline: number): Promise<StoredResponse> {
  const { upstreams, db } = deps;
  const span = serverSpan();
  // Most requests are not sampled: build attributes only for a span that records them.
  if (span?.isRecording()) {
    span.setAttributes({
      [PAYMENT_ID_ATTRIBUTE]: payment.paymentId,
      'paytrace.payment.amount': payment.amount,
      'paytrace.payment.currency': payment.currency,
    });
  }

  await openPayment(db, {
    ...payment,
    traceparent: traceResponseHeader(),
    leaseMs: Math.max(0, deadline - Date.now()) + deps.settleGraceMs,
  });

  let hold: Static<typeof Hold>;
  try {
    const res = await upstreams.balance.request('POST', '/v1/holds', {
      headers: forPayment(payment.paymentId),
      deadline,
      body: {
        hold_key: payment.paymentId,
        account_id: payment.accountId,
        amount: payment.amount,
        currency: payment.currency,
      } satisfies Static<typeof PlaceHoldBody>,
    });
    hold = upstreamAnswer('balance', Hold, res);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 402) {
      await settle(deps, payment.paymentId, 'refused');
      return outcome(finalRefusal(err), 'insufficient_funds');
    }
    // The hold may or may not have been placed (e.g. a lost answer). If balance is away, asking it
    // again now would only wait as long again: the payment stays open and the reconciler releases
    // the hold once balance is back. Otherwise undo it now, if it exists.
    if (!(err instanceof AppError && AWAY_CODES.has(err.code))) await releaseAndSettle(deps, payment.paymentId);
    throw err;
  }

  let chargeResponse: JsonResponse;
  try {
    chargeResponse = await upstreams.payments.request('POST', '/v1/charges', {
      headers: forPayment(payment.paymentId),
      deadline,
      body: {
        payment_id: payment.paymentId,
        account_id: payment.accountId,
        amount: payment.amount,
        currency: payment.currency,
        ...(payment.description === undefined ? {} : { description: payment.description }),
      } satisfies Static<typeof ChargeBody>,
    });
  } catch (transportError) {
    // No answer from payments: it may have charged. Ask it before touching the hold.
    return settleUnknownCharge(deps, payment, hold, transportError);
  }

  if (chargeResponse.status !== 201) {
    const refusal = upstreamError('payments', chargeResponse);
    if (UNKNOWN_CHARGE_CODES.has(refusal.code)) {
      // payments cannot say yet whether the card was charged: keep the hold; the payment stays open.
      return settleUnknownCharge(deps, payment, hold, refusal);
    }
    // payments answered and knows the card was not charged (declined, Stripe down, breaker open).
    await releaseAndSettle(deps, payment.paymentId);
    if (refusal.statusCode === 502) return outcome(finalRefusal(refusal), refusal.code);
    throw refusal;
  }
  return succeed(deps, payment, hold);
}

/** A dependency that did not answer in time, could not be reached, or refused for load. */
const AWAY_CODES = new Set(['dependency_timeout', 'dependency_unavailable', 'overloaded', 'deadline_exceeded']);

/**
 * payments' answers that leave the charge's outcome open: Stripe did not answer in time (it may
 * have charged), or another request is charging this payment right now.
 */
const UNKNOWN_CHARGE_CODES = new Set(['charge_outcome_unknown', 'payment_in_progress']);

/** The AppError a non-2xx answer of a paytrace service stands for (see throwIfError). */
function upstreamError(dependency: string, res: JsonResponse): AppError {
  try {
    throwIfError(dependency, res);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new AppError(502, 'bad_gateway', `${dependency} answered HTTP ${res.status} where an error was expected.`);
}

async function succeed(deps: PaymentDeps, payment: PaymentRequest, hold: Static<typeof Hold>): Promise<StoredResponse> {
  if (await captureHold(deps.upstreams, deps.log, payment.paymentId)) await settle(deps, payment.paymentId, 'succeeded');
  const traceId = serverSpan()?.spanContext().traceId;
  const body: Static<typeof PaymentSucceeded> = {
    payment_id: payment.paymentId,
    ...(traceId ? { trace_id: traceId } : {}),
    status: 'succeeded',
    amount: payment.amount,
    currency: payment.currency,
    balance_after: hold.balance_after,
  };
  return outcome({ status: 201, body }, 'succeeded');
}

async function settleUnknownCharge(
  deps: PaymentDeps,
  payment: PaymentRequest,
  hold: Static<typeof Hold>,
  transportError: unknown,
): Promise<StoredResponse> {
  const status = await chargeStatus(deps.upstreams, payment.paymentId);
  if (status === 'succeeded') return succeed(deps, payment, hold);
  if (status === 'failed' || status === 'unknown') await releaseAndSettle(deps, payment.paymentId);
  // `pending` or unreachable: keep the money held; the payment stays open for the reconciler. A
  // retry with the same Idempotency-Key reuses the payment id, and payments answers it from its
  // log without charging twice.
  throw transportError;
}

/**
 * What payments knows of a payment's charge: `succeeded`, `failed`, `pending` (under way, or its
 * outcome not yet logged) or `unknown` (never attempted); undefined when payments cannot say.
 */
export async function chargeStatus(upstreams: Upstreams, paymentId: string): Promise<Static<typeof PaymentStatus>['status'] | undefined> {
  try {
    const res = await upstreams.payments.request('GET', `/v1/charges/${encodeURIComponent(paymentId)}`, { headers: forPayment(paymentId) });
    if (res.status === 200) return upstreamAnswer('payments', PaymentStatus, res).status;
  } catch {
    // unreachable or too slow: still unknown
  }
  return undefined;
}

/**
 * Marks the charged money as spent; false if balance could not say so now (the reconciler retries).
 * Never shed for a full queue (nor is a release): settling money that moved goes before new work.
 */
export async function captureHold(upstreams: Upstreams, log: FastifyBaseLogger, paymentId: string): Promise<boolean> {
  try {
    const path = `/v1/holds/${encodeURIComponent(paymentId)}/capture`;
    throwIfError('balance', await upstreams.balance.request('POST', path, { headers: forPayment(paymentId), shed: false }));
    return true;
  } catch (err) {
    // The money was debited when the hold was placed; an uncaptured hold is bookkeeping, not a loss.
    log.warn({ err, paymentId }, 'charged, but the hold could not be captured now; the reconciler will capture it');
    return false;
  }
}

/** Gives held money back; false if balance could not do it now (the reconciler retries). */
export async function releaseHold(upstreams: Upstreams, log: FastifyBaseLogger, paymentId: string): Promise<boolean> {
  try {
    const res = await upstreams.balance.request('POST', `/v1/holds/${encodeURIComponent(paymentId)}/release`, {
      headers: forPayment(paymentId),
      shed: false,
    });
    if (res.status === 200 || res.status === 404) return true; // released, or never placed
    throwIfError('balance', res);
    return true;
  } catch (err) {
    log.warn({ err, paymentId }, 'could not release a hold now; the reconciler will release it');
    return false;
  }
}

async function releaseAndSettle(deps: PaymentDeps, paymentId: string): Promise<void> {
  if (await releaseHold(deps.upstreams, deps.log, paymentId)) await settle(deps, paymentId, 'released');
}

/** Marks the record settled; if that fails the payment stays open and the reconciler settles it again (idempotently). */
async function settle(deps: PaymentDeps, paymentId: string, settled: SettledOutcome): Promise<void> {
  await settlePayment(deps.db, paymentId, settled).catch((err: unknown) =>
    deps.log.warn({ err, paymentId }, 'could not mark a payment settled; the reconciler will settle it'),
  );
}

function outcome(response: StoredResponse, result: string): StoredResponse {
  serverSpan()?.setAttribute('paytrace.payment.outcome', result);
  return response;
}
