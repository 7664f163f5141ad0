/**
 * The bottleneck detective's fault scenarios: each flag in flags/paytrace.flagd.json, what it
 * breaks, the real fix, and what the detective should name when it is on. The flags are read by
 * the service that misbehaves (through OpenFeature) or, for the world outside paytrace (Stripe, the
 * network to Postgres), by the stack's fault proxies.
 */
import { LOAD_API_KEYS } from '@paytrace/loadtest/traffic-mix';

export type FaultValue = boolean | number;

export interface FaultScenario {
  flag: string;
  /** Boolean switches are on or off; numeric ones take a value (0 is off). */
  type: 'boolean' | 'number';
  /** What `npm run fault -- <flag> on` sets. */
  onValue: FaultValue;
  unit?: 'ms' | 'share of requests' | 'connections';
  /** Who reads the flag: a paytrace service, or the stack's proxies for the world outside it. */
  readBy: 'auth' | 'balance' | 'payments' | 'gateway' | 'stack proxies';
  simulates: string;
  fix: string;
  /** What the detective's aggregate verdict names while it is on (the integration tests check it). */
  culprit: { kind: 'latency' | 'errors' | 'sequential' | 'database'; service: string; operation: RegExp };
  /**
   * Other faults that set the scene, on both sides of the comparison: a pool of 1 only hurts when
   * each call takes a while, so that scenario runs with Stripe at a realistic 20 ms.
   */
  scene?: Readonly<Record<string, FaultValue>>;
  /** The load that shows it: the route, and the API keys (the hot account's alone for lock contention). */
  load: { route: '/process-payment' | '/accounts/me'; apiKeys: readonly string[] };
}

/** The seed's load-test accounts (the traffic mix's): payments spread over 20 balance rows. */
export { LOAD_API_KEYS };

const payment = (apiKeys = LOAD_API_KEYS) => ({ route: '/process-payment' as const, apiKeys });

export const SCENARIOS: readonly FaultScenario[] = [
  {
    flag: 'stripe-latency',
    type: 'number',
    onValue: 300,
    unit: 'ms',
    readBy: 'stack proxies',
    simulates: "Stripe answering slowly (the lesson's bar: 320 ms), through a proxy in front of stripe-mock; the connection stays busy meanwhile",
    fix: "Nothing in paytrace makes Stripe faster: set a deadline on the call (STRIPE_TIMEOUT_MS), and take the charge off the request's path (authorize now, capture from a queue) if clients cannot wait",
    culprit: { kind: 'latency', service: 'payments', operation: /^POST$/ },
    load: payment(),
  },
  {
    flag: 'stripe-error-rate',
    type: 'number',
    onValue: 0.3,
    unit: 'share of requests',
    readBy: 'stack proxies',
    simulates: 'Stripe answering HTTP 500 (api_error) to this share of charges',
    fix: 'Retry 5xx answers with backoff under the same Idempotency-Key (Stripe makes that safe), and alert on the rate',
    culprit: { kind: 'errors', service: 'payments', operation: /^POST$/ },
    load: payment(),
  },
  {
    flag: 'auth-unindexed-key-lookup',
    type: 'boolean',
    onValue: true,
    readBy: 'auth',
    simulates: "auth comparing keys as hex text (encode(key_sha256, 'hex') = $1): the primary-key index cannot serve it, so every key is scanned",
    fix: 'Compare the indexed column itself (key_sha256 = $1 with a bytea parameter), or index the expression; EXPLAIN shows the Seq Scan',
    culprit: { kind: 'latency', service: 'auth', operation: /^pg\.query:SELECT/ },
    load: payment(),
  },
  {
    flag: 'balance-velocity-check-under-lock',
    type: 'boolean',
    onValue: true,
    readBy: 'balance',
    simulates:
      "a hot account: balance sums the account's last 24 h of holds while it holds the account's row lock, so that account's payments queue for the lock",
    fix: 'Compute the figure before taking the lock (or keep a running total) and keep only the writes inside the locked part of the transaction',
    culprit: { kind: 'latency', service: 'balance', operation: /^pg\.query:(UPDATE|SELECT)/ },
    load: payment(['test_key_hot']),
  },
  {
    flag: 'stripe-pool-size',
    type: 'number',
    onValue: 1,
    unit: 'connections',
    readBy: 'payments',
    simulates: 'payments charging through a pool of this many connections to Stripe (1: every charge waits for the previous one)',
    fix: "Size the pool for the load (Little's law: requests per second × Stripe's latency), as STRIPE_MAX_CONNECTIONS does (64)",
    culprit: { kind: 'latency', service: 'payments', operation: /^wait for stripe connection$/ },
    scene: { 'stripe-latency': 20 },
    load: payment(),
  },
  {
    flag: 'gateway-sequential-account-reads',
    type: 'boolean',
    onValue: true,
    readBy: 'gateway',
    simulates: "GET /accounts/me reading the balances and then the payments, one after the other, though neither needs the other's answer",
    fix: 'Start both reads and await both (Promise.all): the request takes the longer call, not the sum',
    culprit: { kind: 'sequential', service: 'gateway', operation: /^GET \/accounts\/me$/ },
    load: { route: '/accounts/me', apiKeys: LOAD_API_KEYS },
  },
  {
    flag: 'auth-db-latency',
    type: 'number',
    onValue: 40,
    unit: 'ms',
    readBy: 'stack proxies',
    simulates: "auth's database far away (another region): every round trip to Postgres takes this much longer",
    fix: 'Run the service next to its database, or cache verified keys for a short time',
    culprit: { kind: 'latency', service: 'auth', operation: /^pg\.query:SELECT/ },
    load: payment(),
  },
  {
    flag: 'balance-db-latency',
    type: 'number',
    onValue: 20,
    unit: 'ms',
    readBy: 'stack proxies',
    simulates: "balance's database far away: each of a hold's four round trips (BEGIN, INSERT, UPDATE, COMMIT) takes this much longer",
    fix: 'Run the service next to its database, or make fewer round trips (one statement, or a stored procedure, per hold)',
    culprit: { kind: 'database', service: 'balance', operation: /^pg\.query:/ },
    load: payment(),
  },
  {
    flag: 'payments-db-latency',
    type: 'number',
    // 15, not 10: since the gateway records each payment's settlement (two statements of its own),
    // 10 ms left each of payments' two round trips just under the verdict's 20 %.
    onValue: 15,
    unit: 'ms',
    readBy: 'stack proxies',
    simulates: "payments' database far away: logging the transaction (before and after the charge) takes this much longer per round trip",
    fix: 'Run the service next to its database',
    culprit: { kind: 'latency', service: 'payments', operation: /^pg\.query:/ },
    load: payment(),
  },
];

/**
 * Presets set several flags at once; the rest go off. `lesson` reproduces the lesson's chart:
 * auth ≈ 10–50 ms, balance ≈ 60–150, Stripe ≈ 160–480, the transaction log ≈ 485–495. Each value is
 * the lesson's bar less what the stack itself takes there (measured on a 2-core machine: ~5–10 ms
 * in auth, ~10–20 in balance's four round trips, ~10–25 through the Stripe proxy and stripe-mock).
 */
export const PRESETS: Readonly<Record<string, Readonly<Record<string, FaultValue>>>> = {
  lesson: { 'auth-db-latency': 36, 'balance-db-latency': 20, 'stripe-latency': 310, 'payments-db-latency': 6 },
};

export function scenario(flag: string): FaultScenario | undefined {
  return SCENARIOS.find((s) => s.flag === flag);
}
