/** The gateway's authentication: a preHandler that asks auth whose API key it is; the payment id header for each call. */
import type { preHandlerAsyncHookHandler } from 'fastify';
import { VerifiedKey, type VerifyKeyBody } from '@paytrace/auth/contract';
import { PAYMENT_ID_HEADER, serverSpan, unauthorized, upstreamAnswer, type ServiceApp, type Static } from '@paytrace/services';
import { newPaymentId } from './idempotency.js';
import type { Upstreams } from './upstreams.js';

/** The attribute on the gateway's SERVER span naming the request's account (its id; the API key stays out of telemetry). */
export const ACCOUNT_ID_ATTRIBUTE = 'paytrace.account.id';

/** The account an API key belongs to, as auth answers it. */
export type Account = Static<typeof VerifiedKey>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every authenticated route, before the handler runs. */
    account: Account;
    /**
     * The id of the payment this request would make, on routes that make one: chosen before
     * authenticating, so that the auth hop is already made for a named payment (a retry under an
     * Idempotency-Key may go on under the id of its first attempt instead).
     */
    proposedPaymentId: string;
  }
}

/**
 * Every call made for a payment names it, so each service's SERVER span carries the payment id
 * (`paytrace.payment.id`): searchable in Jaeger, and a check that a hop belongs to its trace.
 */
export const forPayment = (paymentId: string) => ({ [PAYMENT_ID_HEADER]: paymentId });

/** Decorates requests with `account` and `proposedPaymentId` (empty until the hook sets them). */
export function decorateAuthentication(app: ServiceApp): void {
  app.decorateRequest('account', null as unknown as Account);
  app.decorateRequest('proposedPaymentId', '');
}

/**
 * A route's `preHandler` hook: asks auth whose API key this is and puts the account on the
 * request. It runs after validation, so a malformed request is a 400 without a call to auth.
 * Missing, malformed or unknown keys are a 401. With `makesPayment`, the request's payment id is
 * chosen first and named on the auth call.
 */
export function authenticate(upstreams: Upstreams, options: { makesPayment: boolean }): preHandlerAsyncHookHandler {
  return async function authenticateApiKey(request) {
    if (options.makesPayment) request.proposedPaymentId = newPaymentId();
    const apiKey = /^Bearer\s+(\S{1,512})\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!apiKey) throw unauthorized('Send the API key as "Authorization: Bearer <key>".');
    const res = await upstreams.auth.request('POST', '/v1/keys/verify', {
      body: { api_key: apiKey } satisfies Static<typeof VerifyKeyBody>,
      deadline: request.deadline,
      ...(request.proposedPaymentId ? { headers: forPayment(request.proposedPaymentId) } : {}),
    });
    if (res.status === 401) throw unauthorized();
    request.account = upstreamAnswer('auth', VerifiedKey, res);
    // Which account a request is for, never its key: what "slow against the rest" ranks (one hot account).
    serverSpan()?.setAttribute(ACCOUNT_ID_ATTRIBUTE, request.account.account_id);
  };
}
