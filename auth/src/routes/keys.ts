/** POST /v1/keys/verify: whose API key this is, looked up by its hash (or unindexed, under the detective's fault). */
import type pg from 'pg';
import { query, unauthorized, type FaultFlags, type ServiceApp, type Static } from '@paytrace/services';
import { VerifiedKey, VerifyKeyBody } from '../contract.js';
import { hashApiKey } from '../data.js';

/**
 * POST /v1/keys/verify — is this API key valid, and whose is it?
 * The key travels in the body, not the URL, so it never lands in an access log or a span's URL.
 */
/**
 * Fault `auth-unindexed-key-lookup` (the bottleneck detective): the key is compared as hex text,
 * `encode(key_sha256, 'hex') = $1`. Same answer, but an expression on the column cannot use its
 * primary-key index, so Postgres scans every key (tens of thousands in the seed data). The fix is
 * the healthy query: compare the indexed column itself with a bytea parameter.
 */
export const UNINDEXED_LOOKUP_FLAG = 'auth-unindexed-key-lookup';

export function keyRoutes(app: ServiceApp, db: pg.Pool, flags: FaultFlags): void {
  app.post(
    '/v1/keys/verify',
    { schema: { body: VerifyKeyBody, response: { 200: VerifiedKey, 401: { $ref: 'ErrorResponse#' } } } },
    async function verifyApiKey(request) {
      const hash = hashApiKey(request.body.api_key);
      const unindexed = await flags.isOn(UNINDEXED_LOOKUP_FLAG);
      const { rows } = await query<Static<typeof VerifiedKey>>(
        db,
        `SELECT a.id AS account_id, a.name AS account_name
           FROM auth.api_keys k JOIN auth.accounts a ON a.id = k.account_id
          WHERE ${unindexed ? "encode(k.key_sha256, 'hex')" : 'k.key_sha256'} = $1 AND k.revoked_at IS NULL`,
        [unindexed ? hash.toString('hex') : hash],
      );
      const match = rows[0];
      if (!match) throw unauthorized();
      return match;
    },
  );
}
