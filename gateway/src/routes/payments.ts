/** POST /process-payment: the payments-in-flight limit, the Idempotency-Key, then the payment flow within its budget. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { FastifyReply } from 'fastify';
import { deadlineExceeded, overloaded, remainingMs, serverSpan, type ServiceApp } from '@paytrace/services';
import { authenticate } from '../authentication.js';
import type { GatewayConfig } from '../config.js';
import { PaymentSucceeded, ProcessPaymentBody, ProcessPaymentHeaders } from '../contract.js';
import { type StoredResponse, claimKey, completeKey, releaseKeyForRetry, requestFingerprint } from '../idempotency.js';
import { errorResponses } from '../openapi.js';
import { runPayment, type PaymentDeps } from '../payment-flow.js';
import type { Upstreams } from '../upstreams.js';

/**
 * The attribute on the gateway's SERVER span naming the request's Idempotency-Key, so a payment can
 * be found by the key its client used (the UI's find box): its SHA-256 in hex, not the key itself,
 * which the project keeps out of telemetry like the request's other headers (test/trace.test.ts).
 */
export const IDEMPOTENCY_KEY_ATTRIBUTE = 'paytrace.idempotency.key_sha256';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function paymentRoutes(app: ServiceApp, db: pg.Pool, upstreams: Upstreams, config: GatewayConfig): void {
  /** Payments being processed now (bounded by MAX_PAYMENTS_IN_FLIGHT: beyond it, shed at once). */
  let inFlight = 0;

  app.post(
    '/process-payment',
    {
      schema: {
        summary: 'Pay: hold the amount, charge the card, capture the hold',
        security: [{ apiKey: [] }],
        headers: ProcessPaymentHeaders,
        body: ProcessPaymentBody,
        response: {
          201: {
            ...PaymentSucceeded,
            description: 'Paid (or, with `idempotent-replayed: true`, paid by an earlier request with this Idempotency-Key).',
          },
          ...errorResponses(400, 401, 402, 409, 413, 415, 431, 502, 503, 504),
        },
      },
      // First of all, before authentication: a payment that will be shed costs nothing more.
      onRequest: function limitPaymentsInFlight(_request, reply, done) {
        if (inFlight >= config.MAX_PAYMENTS_IN_FLIGHT) {
          serverSpan()?.addEvent('paytrace.load_shed', { 'paytrace.in_flight': inFlight });
          return done(overloaded('payments in flight'));
        }
        inFlight++;
        // 'close' comes once per response, sent or cut off: the count cannot leak.
        reply.raw.once('close', () => inFlight--);
        done();
      },
      preHandler: authenticate(upstreams, { makesPayment: true }),
    },
    async function processPayment(request, reply) {
      const { account, proposedPaymentId } = request;
      const { amount, currency, description } = request.body;
      const payment = { accountId: account.account_id, amount, currency, description };
      const key = request.headers['idempotency-key'];
      // The client's own name for this payment (at most 255 characters, its schema), hashed: found by
      // hashing what is typed, never shown. Only for a span that records it (most are not sampled).
      const span = serverSpan();
      if (key !== undefined && span?.isRecording()) span.setAttribute(IDEMPOTENCY_KEY_ATTRIBUTE, sha256Hex(key));
      const deadline = Math.min(request.deadline ?? Infinity, Date.now() + config.PAYMENT_BUDGET_MS);
      // Do not start what cannot finish: with too little time left, refuse before any money moves.
      if (remainingMs(deadline) < config.PAYMENT_MIN_START_MS) {
        serverSpan()?.addEvent('paytrace.deadline_exceeded', { 'paytrace.deadline.remaining_ms': remainingMs(deadline) });
        throw deadlineExceeded('the payment');
      }
      const deps: PaymentDeps = { upstreams, db, log: request.log, settleGraceMs: config.SETTLE_GRACE_MS };

      if (key === undefined) {
        return send(reply, await runPayment(deps, { ...payment, paymentId: proposedPaymentId }, deadline));
      }

      const claim = await claimKey(db, {
        accountId: account.account_id,
        key,
        proposedPaymentId,
        fingerprint: requestFingerprint(request.body),
        waitMs: config.IDEMPOTENCY_WAIT_MS,
      });
      if (claim.kind === 'replay') {
        return send(reply.header('idempotent-replayed', 'true'), claim.response);
      }
      let response;
      try {
        response = await runPayment(deps, { ...payment, paymentId: claim.paymentId }, deadline);
      } catch (err) {
        // No final answer (a dependency failed): the client may retry with the same key.
        await releaseKeyForRetry(db, account.account_id, key).catch((e: unknown) =>
          request.log.error({ err: e }, 'could not mark an idempotency key retryable; it becomes retryable when stale'),
        );
        throw err;
      }
      await completeKey(db, account.account_id, key, response);
      return send(reply, response);
    },
  );
}

/**
 * Sends a payment outcome. Its status is only known at run time (201, 402 or 502, possibly
 * replayed from the database), so it is checked against the route's response schemas by Fastify's
 * serializer rather than by the type checker.
 */
function send(reply: FastifyReply, response: StoredResponse) {
  reply.code(response.status);
  return response.body;
}
