/** auth's HTTP contract (@paytrace/auth/contract): POST /v1/keys/verify's body and answer, as TypeBox schemas. */
import { Type } from '@paytrace/services';

/**
 * auth's HTTP contract: the schemas its routes validate and serialise with, published as
 * `@paytrace/auth/contract` so that callers (the gateway) are typed, and checked, by the same
 * definitions. Errors are the shared `ErrorResponse` envelope.
 */

/** POST /v1/keys/verify: the key travels in the body, never in a URL or a span's attributes. */
export const VerifyKeyBody = Type.Object({ api_key: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/** Whose key it is (200); an unknown or revoked key is a 401. */
export const VerifiedKey = Type.Object({ account_id: Type.String(), account_name: Type.String() });
