/** balance's routes: POST /v1/holds, /v1/holds/:hold_key/capture and …/release, GET /v1/accounts/:account_id/balances. */
import type pg from 'pg';
import { trace } from '@opentelemetry/api';
import type { FaultFlags, ServiceApp } from '@paytrace/services';
import { AccountParams, Balances, Hold, HoldParams, PlaceHoldBody } from '../contract.js';
import { VELOCITY_UNDER_LOCK_FLAG, captureHold, listBalances, placeHold, releaseHold } from '../holds.js';

const errors = { 400: { $ref: 'ErrorResponse#' }, 402: { $ref: 'ErrorResponse#' }, 404: { $ref: 'ErrorResponse#' }, 409: { $ref: 'ErrorResponse#' } };

/** Holds are addressed by their key (the payment id), which the caller knows even after a lost answer. */
export function holdRoutes(app: ServiceApp, db: pg.Pool, flags: FaultFlags): void {
  /** Check the balance and hold the amount (debited now, captured or released later). */
  app.post('/v1/holds', { schema: { body: PlaceHoldBody, response: { 200: Hold, 201: Hold, ...errors } } }, async function holdMoney(request, reply) {
    const { hold_key: holdKey, account_id: accountId, amount, currency } = request.body;
    const velocityCheckUnderLock = await flags.isOn(VELOCITY_UNDER_LOCK_FLAG);
    const { hold, created } = await placeHold(db, { holdKey, accountId, amount, currency }, { velocityCheckUnderLock });
    trace.getActiveSpan()?.setAttribute('paytrace.hold.created', created);
    reply.code(created ? 201 : 200);
    return hold;
  });

  app.post('/v1/holds/:hold_key/capture', { schema: { params: HoldParams, response: { 200: Hold, ...errors } } }, async function capture(request) {
    return captureHold(db, request.params.hold_key);
  });

  app.post('/v1/holds/:hold_key/release', { schema: { params: HoldParams, response: { 200: Hold, ...errors } } }, async function release(request) {
    return releaseHold(db, request.params.hold_key);
  });

  app.get(
    '/v1/accounts/:account_id/balances',
    {
      schema: {
        params: AccountParams,
        response: { 200: Balances },
      },
    },
    async function balancesOfAccount(request) {
      return { balances: await listBalances(db, request.params.account_id) };
    },
  );
}
