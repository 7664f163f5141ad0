/** The circuit breaker around Stripe (opossum): its options and defaults, its states, and what counts as Stripe failing. */
import { trace, type Span } from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import { AppError } from '@paytrace/services';

/**
 * The circuit breaker around Stripe (opossum): when Stripe is down or failing, a charge fails at
 * once with 503 `payment_provider_unavailable` and a `Retry-After`, without a network call,
 * instead of every charge waiting out its deadline against a dependency that is not answering.
 * After a pause a probe (a cheap read of Stripe's, with a short deadline) tries Stripe (half-open);
 * its success closes the breaker and lets the charge that triggered it through.
 *
 * Money: a charge refused here never reached Stripe, so nothing was charged; the caller logs the
 * attempt as failed and the gateway releases the hold, exactly as for an unreachable Stripe.
 */
export interface StripeBreakerOptions {
  /** false: no breaker, every charge calls Stripe. */
  enabled: boolean;
  /** Calls in the rolling window before the error rate may open it (so N consecutive failures open it). */
  volumeThreshold: number;
  /** It opens when more than this percentage of the window's calls failed. */
  errorThresholdPercentage: number;
  /** The rolling window the error rate is measured over (ms). */
  rollingWindowMs: number;
  /** How long it stays open before one charge probes Stripe (ms), before jitter. */
  resetTimeoutMs: number;
  /** The pause is resetTimeoutMs × (1 ± jitter), drawn each time it opens. */
  resetJitter: number;
}

/**
 * Defaults, for the lesson's stack and a real Stripe alike:
 * - volumeThreshold 5 in a 5 s window: a human clicking "pay" needs five failures in a row within
 *   5 s to open it (one flaky failure never does); under load (tens of charges a second) the
 *   window holds enough calls for the rate to decide within a fraction of a second.
 * - errorThresholdPercentage 50: a majority failing is an outage, not noise (Stripe's own 429s
 *   and 5xx are rare and retried by clients).
 * - resetTimeout 2 s ± 20%: short, because an outage of a card processor costs sales every
 *   second, and the half-open probe is a single charge, so probing early is cheap; jittered so
 *   replicas that opened together do not probe together (1.6 to 2.4 s).
 */
export const STRIPE_BREAKER_DEFAULTS: StripeBreakerOptions = {
  enabled: true,
  volumeThreshold: 5,
  errorThresholdPercentage: 50,
  rollingWindowMs: 5_000,
  resetTimeoutMs: 2_000,
  resetJitter: 0.2,
};

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What it logs with: pino's (or Fastify's) logger. Only states, codes and counts: never card data, keys or amounts. */
export interface BreakerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
const silent: BreakerLog = { info: () => undefined, warn: () => undefined };

/**
 * Only what says "Stripe is not working" counts against it: transport failures (JsonClient's 503
 * `dependency_unavailable`, 504 `dependency_timeout`) and Stripe's own 429/5xx
 * (`payment_provider_unavailable`). A decline or a rejected request is Stripe working; so is a
 * slow answer within the deadline (JsonClient enforces that deadline; the breaker has no timeout
 * of its own, so the latency stays Stripe's and visible in the trace).
 */
const FAILURE_CODES = new Set(['dependency_unavailable', 'dependency_timeout', 'payment_provider_unavailable']);
export const countsAsFailure = (err: unknown): boolean => err instanceof AppError && FAILURE_CODES.has(err.code);

type Call = () => Promise<unknown>;

export class StripeBreaker {
  private readonly breaker: CircuitBreaker<[Call], unknown> | undefined;
  /** When the half-open probe is due (ms since the epoch), while open. */
  private probeAt = 0;
  private lastFailure: string | undefined;

  /**
   * `probe`: what half-open tries before letting a charge through (a read that throws a counted
   * failure when Stripe is away); without one, the first charge is the probe.
   */
  constructor(
    options: Partial<StripeBreakerOptions> = {},
    private readonly log: BreakerLog = silent,
    private readonly random: () => number = Math.random,
    private readonly probe?: () => Promise<unknown>,
  ) {
    const o = { ...STRIPE_BREAKER_DEFAULTS, ...options };
    if (!o.enabled) return;
    // opossum keeps this object and reads `resetTimeout` from it each time it opens: the listener
    // prepended below draws a new jittered pause just before opossum starts its timer.
    const opossumOptions: CircuitBreaker.Options<[Call]> = {
      name: 'stripe',
      timeout: false, // JsonClient's deadline is the one deadline
      volumeThreshold: o.volumeThreshold,
      errorThresholdPercentage: o.errorThresholdPercentage,
      rollingCountTimeout: o.rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: o.resetTimeoutMs,
      errorFilter: (err: unknown) => !countsAsFailure(err),
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    };
    const breaker = new CircuitBreaker((call: Call) => call(), opossumOptions);
    breaker.prependListener('open', () => {
      const pause = Math.round(o.resetTimeoutMs * (1 + o.resetJitter * (2 * this.random() - 1)));
      opossumOptions.resetTimeout = pause;
      this.probeAt = Date.now() + pause;
    });
    breaker.on('failure', (err: unknown) => {
      this.lastFailure = err instanceof AppError ? err.code : 'unknown';
    });
    // Each transition once, in the context (and so with the trace id) of the call that caused it.
    breaker.on('open', () =>
      this.log.warn(
        { breaker: 'stripe', state: 'open', cause: this.lastFailure, probe_in_ms: this.msUntilProbe() },
        'Stripe circuit breaker opened: charges fail fast until a probe succeeds',
      ),
    );
    breaker.on('halfOpen', () =>
      this.log.info({ breaker: 'stripe', state: 'half_open' }, 'Stripe circuit breaker half-open: the next charge probes Stripe first'),
    );
    breaker.on('close', () => this.log.info({ breaker: 'stripe', state: 'closed' }, 'Stripe circuit breaker closed: Stripe answers again'));
    this.breaker = breaker;
  }

  /** The breaker's state; `closed` when it is disabled. */
  get state(): BreakerState {
    if (!this.breaker || this.breaker.closed) return 'closed';
    return this.breaker.halfOpen ? 'half_open' : 'open';
  }

  /** Milliseconds until the half-open probe (0 once it is due or the breaker is not open). */
  msUntilProbe(): number {
    return this.state === 'open' ? Math.max(0, this.probeAt - Date.now()) : 0;
  }

  /**
   * Runs one call to Stripe through the breaker: the call's outcome, or at once a 503
   * `payment_provider_unavailable` when the breaker is open (or half-open with its probe under way).
   * The active span (the charge's) gets `paytrace.breaker.state`, and an event when it is refused.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.breaker) return call();
    const state = this.state;
    const span = trace.getActiveSpan();
    const recording = span?.isRecording() === true;
    if (recording) span!.setAttribute('paytrace.breaker.state', state);
    const onSpan = recording ? span : undefined;
    // Half-open: the probe is a cheap read with a short deadline, not this customer's charge,
    // so nobody's payment waits out a full charge deadline to learn that Stripe is still away.
    // A failed probe refuses the charge like an open breaker: it was never sent.
    if (state === 'half_open' && this.probe) {
      const probed = await this.breaker.fire(this.probe).then(
        () => true,
        () => false,
      );
      onSpan?.addEvent('paytrace.breaker.probed', { 'paytrace.dependency': 'stripe', 'paytrace.breaker.probe_ok': probed });
      if (!probed) throw this.refusal(undefined, onSpan);
    }
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (err) {
      if (!(err instanceof Error) || !CircuitBreaker.isOurError(err)) throw err;
      throw this.refusal(err, onSpan);
    }
  }

  /** The 503 of a charge the breaker did not let through (it never reached Stripe), with the event on its span. */
  private refusal(cause: Error | undefined, span: Span | undefined): AppError {
    const retryAfterSeconds = Math.max(1, Math.ceil(this.msUntilProbe() / 1000));
    span?.addEvent('paytrace.breaker.rejected', {
      'paytrace.dependency': 'stripe',
      'paytrace.breaker.state': this.state,
      'paytrace.breaker.retry_after_s': retryAfterSeconds,
    });
    return new AppError(
      503,
      'payment_provider_unavailable',
      `Stripe is failing, so payments is not calling it for now (circuit breaker ${this.state.replace('_', '-')}); try again in ${retryAfterSeconds} s.`,
      { cause, retryAfterSeconds },
    );
  }

  /** Stops its timers. */
  close(): void {
    this.breaker?.shutdown();
  }
}
