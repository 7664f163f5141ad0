import type pg from 'pg';
import { query, unauthorized, type ServiceApp, type Static } from '@paytrace/services';
import { VerifiedKey, VerifyKeyBody } from '../contract.js';
import { hashApiKey } from '../data.js';

/**
 * POST /v1/keys/verify — is this API key valid, and whose is it?
 * The key travels in the body, not the URL, so it never lands in an access log or a span's URL.
 */
export function keyRoutes(app: ServiceApp, db: pg.Pool): void {
  app.post(
    '/v1/keys/verify',
    { schema: { body: VerifyKeyBody, response: { 200: VerifiedKey, 401: { $ref: 'ErrorResponse#' } } } },
    async function verifyApiKey(request) {
      const { rows } = await query<Static<typeof VerifiedKey>>(
        db,
        `SELECT a.id AS account_id, a.name AS account_name
           FROM auth.api_keys k JOIN auth.accounts a ON a.id = k.account_id
          WHERE k.key_sha256 = $1 AND k.revoked_at IS NULL`,
        [hashApiKey(request.body.api_key)],
      );
      const match = rows[0];
      if (!match) throw unauthorized();
      return match;
    },
  );
}
