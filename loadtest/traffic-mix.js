// The traffic mix of paytrace's load tests: the one definition that every load generator reads,
// so what k6 sends (payments.js) and what the project's own generators send (lab/src/load:
// Vegeta's targets, the open-model client) cannot drift apart. A plain ES module without imports,
// because k6 cannot load TypeScript and compose mounts only this folder into k6's image;
// traffic-mix.d.ts types it for TypeScript, and lab/test/traffic-mix.test.ts checks both sides.

/**
 * Arrivals per second when a load test names no rate (payments.js's RATE, `npm run load`): what
 * `npm run stack` at its defaults holds from a cold start, with p99 well under 300 ms (114 ms
 * here; at 50/s the first run after a start, while V8 compiles, answered p99 687 ms and some
 * 503s, docs/trace-store.md).
 */
export const DEFAULT_RATE = 20;

/** The seed's load-test accounts (auth's and balance's seed data): payments spread over 20 balance rows. */
export const LOAD_API_KEYS = Array.from({ length: 20 }, (_, i) => `test_key_load_${String(i + 1).padStart(2, '0')}`);

/** In every CYCLE consecutive requests: this many of each kind, in this order. */
export const SHARES = { payment: 18, insufficient_funds: 1, invalid: 1 };
export const CYCLE = SHARES.payment + SHARES.insufficient_funds + SHARES.invalid;

/** The status each kind must get; anything else is an unexpected answer. */
export const EXPECTED_STATUS = { payment: 201, insufficient_funds: 402, invalid: 400 };

/** A refusal: bob (5000 usd in the seed) asks for far more than he has. Nothing moves. */
export const REFUSAL = { apiKey: 'test_key_bob', body: { amount: 100_000_000, currency: 'usd' } };

/** An invalid request: an amount of 0 (the minimum is 1), from a load account. Refused before any work. */
export const INVALID_BODY = { amount: 0, currency: 'usd' };

/**
 * The n-th payment (0-based, counting payments only): the load accounts in turn, so consecutive
 * payments debit different rows, and amounts of 1.00 to 9.99 usd.
 */
export function paymentAt(n) {
  return {
    kind: 'payment',
    apiKey: LOAD_API_KEYS[n % LOAD_API_KEYS.length],
    body: { amount: 100 + (n % 900), currency: 'usd', description: 'load test' },
    expectedStatus: EXPECTED_STATUS.payment,
  };
}

/** The i-th request of a run (0-based): deterministic, so every generator sends the same sequence. */
export function requestAt(i) {
  const slot = i % CYCLE;
  if (slot < SHARES.payment) return paymentAt(Math.floor(i / CYCLE) * SHARES.payment + slot);
  if (slot < SHARES.payment + SHARES.insufficient_funds) {
    return { kind: 'insufficient_funds', apiKey: REFUSAL.apiKey, body: REFUSAL.body, expectedStatus: EXPECTED_STATUS.insufficient_funds };
  }
  return { kind: 'invalid', apiKey: LOAD_API_KEYS[i % LOAD_API_KEYS.length], body: INVALID_BODY, expectedStatus: EXPECTED_STATUS.invalid };
}

/**
 * How many requests a generator keeps ready and how many it lets be in flight at once at `rate`
 * (k6's preAllocatedVUs and maxVUs, Vegeta's -workers and -max-workers). Past the cap an arrival
 * cannot go out on time: k6 drops it, Vegeta sends it late; the lab counts both.
 */
export function concurrency(rate) {
  return { initial: Math.max(10, Math.ceil(rate / 5)), max: Math.max(50, Math.ceil(rate * 2)) };
}
