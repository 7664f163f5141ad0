/**
 * Grading a mystery round's answer: the service and operation the learner names, against the
 * scenario's culprit in the catalog (what the detective's verdict names while it is on). Pure.
 */
import { scenario } from './catalog.js';

/** The services a trace passes through, in the order a payment reaches them. */
export const MYSTERY_SERVICES = ['gateway', 'auth', 'balance', 'payments'] as const;

/** An operation a payment's or an account's trace has, as Jaeger names its span, and what it is. */
export interface TraceOperation {
  service: (typeof MYSTERY_SERVICES)[number];
  /** The span's name as Jaeger shows it (queries without the database's name: `pg.query:SELECT`). */
  operation: string;
  label: string;
}

/**
 * What the learner picks from: the operations of a payment's trace (POST /process-payment) and an
 * account's (GET /accounts/me), service by service, Fastify's plumbing spans left out (their time
 * is their route's): the names Jaeger listed for each service after `npm run load` (its
 * /api/services/<service>/operations), and the accounts route's. Free text is read too (answerOperation).
 */
export const TRACE_OPERATIONS: readonly TraceOperation[] = [
  { service: 'gateway', operation: 'POST /process-payment', label: 'the payment route itself (its own code)' },
  { service: 'gateway', operation: 'GET /accounts/me', label: 'the account route itself (its own code)' },
  { service: 'gateway', operation: 'POST', label: 'its calls to auth, balance and payments' },
  { service: 'gateway', operation: 'GET', label: 'its reads of balances and payments (GET /accounts/me)' },
  { service: 'gateway', operation: 'pg.query:INSERT', label: 'INSERT: claiming the Idempotency-Key, opening the payment’s record' },
  { service: 'gateway', operation: 'pg.query:UPDATE', label: 'UPDATE: completing the Idempotency-Key, settling the payment’s record' },
  { service: 'auth', operation: 'POST /v1/keys/verify', label: 'the key check route itself (its own code)' },
  { service: 'auth', operation: 'pg.query:SELECT', label: 'SELECT: looking the API key up' },
  { service: 'balance', operation: 'POST /v1/holds', label: 'the hold route itself (its own code)' },
  { service: 'balance', operation: 'POST /v1/holds/:hold_key/capture', label: 'the capture route itself' },
  { service: 'balance', operation: 'POST /v1/holds/:hold_key/release', label: 'the release route itself (a failed payment’s hold given back)' },
  { service: 'balance', operation: 'GET /v1/accounts/:account_id/balances', label: 'the balances route itself' },
  { service: 'balance', operation: 'pg.query:BEGIN', label: 'BEGIN: the hold’s transaction starts' },
  { service: 'balance', operation: 'pg.query:SELECT', label: 'SELECT: reading a balance, or the account’s recent holds' },
  { service: 'balance', operation: 'pg.query:INSERT', label: 'INSERT INTO balance.holds' },
  { service: 'balance', operation: 'pg.query:UPDATE', label: 'UPDATE balance.balances (the row lock), or a hold’s status' },
  { service: 'balance', operation: 'pg.query:COMMIT', label: 'COMMIT: the hold’s transaction ends' },
  { service: 'balance', operation: 'pg.query:ROLLBACK', label: 'ROLLBACK: a transaction given up' },
  { service: 'payments', operation: 'POST /v1/charges', label: 'the charge route itself (its own code)' },
  { service: 'payments', operation: 'GET /v1/transactions', label: 'the transactions route itself' },
  { service: 'payments', operation: 'POST', label: 'its call to Stripe, /v1/charges' },
  { service: 'payments', operation: 'wait for stripe connection', label: 'waiting for a connection to Stripe' },
  { service: 'payments', operation: 'pg.query:INSERT', label: 'INSERT INTO payments.transactions (before the charge)' },
  { service: 'payments', operation: 'pg.query:UPDATE', label: 'UPDATE payments.transactions (after the charge)' },
  { service: 'payments', operation: 'pg.query:SELECT', label: 'SELECT: the account’s transactions' },
];

export type MysteryGrade = 'solved' | 'half' | 'wrong';

export interface MysteryAnswer {
  service: string;
  operation: string;
}

const SQL_VERB = /^(SELECT|INSERT|UPDATE|DELETE|BEGIN|COMMIT|ROLLBACK)\b/i;

/**
 * What a typed operation names, as the span name the catalog's culprit is matched against: a
 * span name as Jaeger shows it (`pg.query:SELECT paytrace`), a statement's text (`INSERT INTO
 * balance.holds …`), or "Stripe" for payments' call to it ("wait for stripe connection" for the
 * pool). Anything else is taken as typed.
 */
export function answerOperation(text: string): string {
  const typed = text.replace(/\s+/g, ' ').trim();
  const listed = TRACE_OPERATIONS.find((o) => typed.toLowerCase() === o.operation.toLowerCase());
  if (listed) return listed.operation;
  const query = /^pg\.query:(\w+)/i.exec(typed);
  if (query) return `pg.query:${query[1]!.toUpperCase()}`;
  const verb = SQL_VERB.exec(typed);
  if (verb) return `pg.query:${verb[1]!.toUpperCase()}`;
  if (/stripe/i.test(typed)) return /wait|pool|connection/i.test(typed) ? 'wait for stripe connection' : 'POST';
  return typed;
}

/**
 * Right service and an operation the culprit's pattern matches: solved. Right service, another
 * operation: half (the learner is in the right place; the trace says which of its spans). Another
 * service: wrong.
 */
export function gradeAnswer(flag: string, answer: MysteryAnswer): MysteryGrade {
  const known = scenario(flag);
  if (!known) throw new Error(`unknown fault "${flag}"`);
  if (answer.service.trim().toLowerCase() !== known.culprit.service) return 'wrong';
  return known.culprit.operation.test(answerOperation(answer.operation)) ? 'solved' : 'half';
}

/** The listed operations that count as the answer to a scenario (what the reveal names). */
export function culpritOperations(flag: string): TraceOperation[] {
  const known = scenario(flag);
  if (!known) return [];
  return TRACE_OPERATIONS.filter((o) => o.service === known.culprit.service && known.culprit.operation.test(o.operation));
}
