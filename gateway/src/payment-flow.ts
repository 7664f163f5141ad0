import type { FastifyBaseLogger } from 'fastify';
import { Hold, type PlaceHoldBody } from '@paytrace/balance/contract';
import { PaymentStatus, type ChargeBody } from '@paytrace/payments/contract';
import {
  AppError,
  PAYMENT_ID_ATTRIBUTE,
  recordFailure,
  serverSpan,
  throwIfError,
  toErrorResponse,
  upstreamAnswer,
  type Currency,
  type JsonResponse,
  type Static,
} from '@paytrace/services';
import { forPayment } from './authentication.js';
import type { PaymentSucceeded } from './contract.js';
import type { StoredResponse } from './idempotency.js';
import type { Upstreams } from './upstreams.js';

export interface PaymentRequest {
  paymentId: string;
  accountId: string;
  amount: number;
  currency: Static<typeof Currency>;
  description?: string | undefined;
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
 * Returns the final answer (201, or a final refusal: 402 insufficient funds, 502 declined).
 * Throws an AppError (503/504) when a dependency failed and the same request may be retried (or a
 * 502 when balance answered outside its contract).
 */
export async function runPayment(upstreams: Upstreams, log: FastifyBaseLogger, payment: PaymentRequest): Promise<StoredResponse> {
  const span = serverSpan();
  // Most requests are not sampled: build attributes only for a span that records them.
  if (span?.isRecording()) {
    span.setAttributes({
      [PAYMENT_ID_ATTRIBUTE]: payment.paymentId,
      'paytrace.payment.amount': payment.amount,
      'paytrace.payment.currency': payment.currency,
    });
  }

  let hold: Static<typeof Hold>;
  try {
    const res = await upstreams.balance.request('POST', '/v1/holds', {
      headers: forPayment(payment.paymentId),
      body: {
        hold_key: payment.paymentId,
        account_id: payment.accountId,
        amount: payment.amount,
        currency: payment.currency,
      } satisfies Static<typeof PlaceHoldBody>,
    });
    hold = upstreamAnswer('balance', Hold, res);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 402) return outcome(finalRefusal(err), 'insufficient_funds');
    // The hold may or may not have been placed (e.g. a lost answer): undo it if it exists.
    await releaseHold(upstreams, log, payment.paymentId);
    throw err;
  }

  let chargeResponse: JsonResponse;
  try {
    chargeResponse = await upstreams.payments.request('POST', '/v1/charges', {
      headers: forPayment(payment.paymentId),
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
    return settleUnknownCharge(upstreams, log, payment, hold, transportError);
  }

  if (chargeResponse.status !== 201) {
    // payments answered and knows the card was not charged (declined, Stripe down or too slow).
    await releaseHold(upstreams, log, payment.paymentId);
    try {
      throwIfError('payments', chargeResponse);
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 502) return outcome(finalRefusal(err), err.code);
      throw err;
    }
  }
  return succeed(upstreams, log, payment, hold);
}

async function succeed(upstreams: Upstreams, log: FastifyBaseLogger, payment: PaymentRequest, hold: Static<typeof Hold>): Promise<StoredResponse> {
  try {
    const path = `/v1/holds/${encodeURIComponent(payment.paymentId)}/capture`;
    throwIfError('balance', await upstreams.balance.request('POST', path, { headers: forPayment(payment.paymentId) }));
  } catch (err) {
    // The money was debited when the hold was placed; an uncaptured hold is bookkeeping, not a loss.
    log.error({ err, paymentId: payment.paymentId }, 'charged, but the hold could not be captured; it stays held');
  }
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
  upstreams: Upstreams,
  log: FastifyBaseLogger,
  payment: PaymentRequest,
  hold: Static<typeof Hold>,
  transportError: unknown,
): Promise<StoredResponse> {
  let status: string | undefined;
  try {
    const res = await upstreams.payments.request('GET', `/v1/charges/${encodeURIComponent(payment.paymentId)}`, {
      headers: forPayment(payment.paymentId),
    });
    if (res.status === 200) status = upstreamAnswer('payments', PaymentStatus, res).status;
  } catch {
    // still unknown
  }
  if (status === 'succeeded') return succeed(upstreams, log, payment, hold);
  if (status === 'failed' || status === 'unknown') await releaseHold(upstreams, log, payment.paymentId);
  // `pending` or unreachable: keep the money held. A retry with the same Idempotency-Key reuses
  // the payment id, and payments answers it from its log without charging twice.
  throw transportError;
}

/** Gives held money back; retried a few times because a stuck hold keeps the customer's money. */
async function releaseHold(upstreams: Upstreams, log: FastifyBaseLogger, paymentId: string): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await upstreams.balance.request('POST', `/v1/holds/${encodeURIComponent(paymentId)}/release`, {
        headers: forPayment(paymentId),
      });
      if (res.status === 200 || res.status === 404) return; // released, or never placed
      throwIfError('balance', res);
    } catch (err) {
      if (attempt === 3) {
        log.error({ err, paymentId }, 'could not release a hold; it stays held until a retry of this payment');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

function outcome(response: StoredResponse, result: string): StoredResponse {
  serverSpan()?.setAttribute('paytrace.payment.outcome', result);
  return response;
}
