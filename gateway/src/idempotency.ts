/** Idempotency-Key records: claim a key (own it, replay it, or wait for its twin), complete it, release it for a retry. */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { AppError, query } from '@paytrace/services';

/** A finished response, stored and replayed byte-for-byte in meaning (status and JSON body). */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotencyStart =
  /** This request owns the key: run the payment with this payment id. */
  | { kind: 'owner'; paymentId: string }
  /** The key already finished: answer this again. */
  | { kind: 'replay'; response: StoredResponse };

/** A record left `in_progress` longer than this belongs to a gateway that died mid-request. */
const STALE_AFTER_SECONDS = 120;

export const newPaymentId = () => `pay_${randomUUID().replaceAll('-', '')}`;

/** Stable hash of what the client asked for; a different body under the same key is a conflict. */
export function requestFingerprint(body: unknown): Buffer {
  return createHash('sha256').update(canonicalJson(body)).digest();
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface KeyRow {
  request_sha256: Buffer;
  payment_id: string;
  state: 'in_progress' | 'completed' | 'retryable';
  response_status: number | null;
  response_body: unknown;
  stale: boolean;
}

const conflict = () => new AppError(409, 'idempotency_conflict', 'This Idempotency-Key was already used with a different request body.');

/**
 * Claims an idempotency key for a request. Exactly one request at a time owns a key; twins that
 * arrive meanwhile wait for its result (polling, bounded by `waitMs`) and replay it. A key whose
 * last attempt ended retryably (a dependency was down) is taken over with the same payment id, so
 * Stripe sees the same Idempotency-Key again.
 */
export async function claimKey(
  db: pg.Pool,
  input: { accountId: string; key: string; fingerprint: Buffer; waitMs: number; proposedPaymentId: string },
): Promise<IdempotencyStart> {
  const deadline = Date.now() + input.waitMs;
  const inserted = await query<{ payment_id: string }>(
    db,
    `INSERT INTO gateway.idempotency_keys (account_id, idempotency_key, request_sha256, payment_id, state)
     VALUES ($1, $2, $3, $4, 'in_progress')
     ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING payment_id`,
    [input.accountId, input.key, input.fingerprint, input.proposedPaymentId],
  );
  if (inserted.rows[0]) return { kind: 'owner', paymentId: inserted.rows[0].payment_id };

  for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 200)) {
    const row = (
      await query<KeyRow>(
        db,
        `SELECT request_sha256, payment_id, state, response_status, response_body,
                updated_at < now() - make_interval(secs => $3) AS stale
           FROM gateway.idempotency_keys WHERE account_id = $1 AND idempotency_key = $2`,
        [input.accountId, input.key, STALE_AFTER_SECONDS],
      )
    ).rows[0];
    if (!row) throw new AppError(503, 'dependency_unavailable', 'Idempotency record vanished; try again.');
    if (!row.request_sha256.equals(input.fingerprint)) throw conflict();
    if (row.state === 'completed') return { kind: 'replay', response: { status: row.response_status!, body: row.response_body } };
    if (row.state === 'retryable' || row.stale) {
      const taken = await query(
        db,
        `UPDATE gateway.idempotency_keys SET state = 'in_progress', updated_at = now()
          WHERE account_id = $1 AND idempotency_key = $2 AND state = $3`,
        [input.accountId, input.key, row.state],
      );
      if (taken.rowCount === 1) return { kind: 'owner', paymentId: row.payment_id };
      continue; // another twin took it first
    }
    if (Date.now() + delayMs > deadline) {
      throw new AppError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry later.');
    }
    await sleep(delayMs);
  }
}

/** Stores the final answer for the key (success or a final refusal such as 402 or a decline). */
export async function completeKey(db: pg.Pool, accountId: string, key: string, response: StoredResponse): Promise<void> {
  await query(
    db,
    `UPDATE gateway.idempotency_keys SET state = 'completed', response_status = $3, response_body = $4, updated_at = now()
      WHERE account_id = $1 AND idempotency_key = $2`,
    [accountId, key, response.status, JSON.stringify(response.body)],
  );
}

/** The attempt ended without a final answer (a dependency was down): a retry with the key may run again. */
export async function releaseKeyForRetry(db: pg.Pool, accountId: string, key: string): Promise<void> {
  await query(db, `UPDATE gateway.idempotency_keys SET state = 'retryable', updated_at = now() WHERE account_id = $1 AND idempotency_key = $2`, [
    accountId,
    key,
  ]);
}
