import type pg from 'pg';
import type { FastifyReply } from 'fastify';
import { Type, type ServiceApp } from '@paytrace/services';
import type { GatewayConfig } from '../config.js';
import { type StoredResponse, claimKey, completeKey, newPaymentId, releaseKeyForRetry, requestFingerprint } from '../idempotency.js';
import { authenticate, runPayment } from '../payment-flow.js';
import type { Upstreams } from '../upstreams.js';

/** Currencies accepted (ISO 4217, lower case, as the Stripe API writes them). */
export const CURRENCIES = ['usd', 'eur', 'gbp', 'chf', 'cad'] as const;

const ProcessPaymentBody = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Minor units (cents).' }),
    currency: Type.Union(CURRENCIES.map((c) => Type.Literal(c))),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const ProcessPaymentHeaders = Type.Object({
  // 1–255 printable ASCII characters.
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\x20-\\x7E]{1,255}$' })),
});

const PaymentSucceeded = Type.Object({
  payment_id: Type.String(),
  trace_id: Type.Optional(Type.String({ description: 'Open it in Jaeger: /trace/<trace_id>' })),
  status: Type.Literal('succeeded'),
  amount: Type.Integer(),
  currency: Type.String(),
  balance_after: Type.Integer(),
});

const Err = { $ref: 'ErrorResponse#' };

export function paymentRoutes(app: ServiceApp, db: pg.Pool, upstreams: Upstreams, config: GatewayConfig): void {
  app.post(
    '/process-payment',
    {
      schema: {
        headers: ProcessPaymentHeaders,
        body: ProcessPaymentBody,
        response: { 200: PaymentSucceeded, 201: PaymentSucceeded, 400: Err, 401: Err, 402: Err, 409: Err, 502: Err, 503: Err, 504: Err },
      },
    },
    async function processPayment(request, reply) {
      // Chosen first, so that every hop (auth too) is made for a named payment.
      const proposedPaymentId = newPaymentId();
      const account = await authenticate(upstreams, request.headers.authorization, proposedPaymentId);
      const { amount, currency, description } = request.body;
      const payment = { accountId: account.account_id, amount, currency, description };
      const key = request.headers['idempotency-key'];

      if (key === undefined) {
        return send(reply, await runPayment(upstreams, request.log, { ...payment, paymentId: proposedPaymentId }));
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
        response = await runPayment(upstreams, request.log, { ...payment, paymentId: claim.paymentId });
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
