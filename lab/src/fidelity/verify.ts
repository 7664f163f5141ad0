/** The fidelity checker's run: drive payments, then verify that every one's trace in Jaeger is true, and report. */
import { describeTrace, type JaegerClient, type TraceSpan } from '@paytrace/trace-analysis';
import { driveLoad, type LoadRequest } from '../load/drive-payments.js';
import { worstProblem, type Problem, type ProblemKind } from './check.js';
import { forEachLimited, settledPaymentTrace } from './settled-trace.js';

/** One payment as the client saw it (see ../load/drive-payments.ts). */
export type PaymentAttempt = LoadRequest;

export interface DriveOptions {
  gatewayUrl: string;
  apiKey: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests in all. */
  total: number;
  /** Minor units per payment. */
  amount?: number;
  /** Start at most this many payments per second (default: as fast as `concurrency` allows). */
  ratePerSecond?: number;
}

/** Sends `total` payments with one key, `concurrency` at a time, and keeps what each answer says of its trace. */
export const drivePayments = ({ apiKey, ...options }: DriveOptions): Promise<PaymentAttempt[]> =>
  driveLoad({ ...options, route: '/process-payment', apiKeys: [apiKey], description: 'fidelity' });

export interface BadTrace {
  traceId: string;
  paymentId: string;
  problems: Problem[];
  spans: TraceSpan[];
}

export interface FidelityReport {
  requests: number;
  /** Answers by HTTP status (0: no answer). */
  statuses: Record<string, number>;
  sampled: number;
  /** Sampled successful payments whose trace was checked. */
  checked: number;
  /** …of which are exactly their own request's complete, well-nested tree. */
  good: number;
  /** Bad traces by their worst problem. */
  bad: Record<ProblemKind, number>;
  unsampled: number;
  /** Unsampled requests that Jaeger has a trace for anyway (should be 0). */
  unsampledStored: number;
  /** The first bad trace of each kind. */
  examples: Partial<Record<ProblemKind, BadTrace>>;
}

export interface VerifyOptions {
  /** How long an incomplete trace may take to arrive (a frozen Collector delays spans). */
  settleTimeoutMs?: number;
  toleranceUs?: number;
}

/**
 * Checks every request's trace in Jaeger: a sampled success must be exactly one tree of its own
 * request; an unsampled one must be absent. Traces still incomplete or with orphans are fetched
 * again until `settleTimeoutMs`; a cross-wired or mis-nested trace does not heal and is final at
 * once.
 */
export async function verifyPayments(jaeger: JaegerClient, attempts: PaymentAttempt[], options: VerifyOptions = {}): Promise<FidelityReport> {
  const report: FidelityReport = {
    requests: attempts.length,
    statuses: {},
    sampled: 0,
    checked: 0,
    good: 0,
    bad: { 'cross-wired': 0, malformed: 0, incomplete: 0, 'mis-nested': 0 },
    unsampled: 0,
    unsampledStored: 0,
    examples: {},
  };
  for (const a of attempts) report.statuses[a.status] = (report.statuses[a.status] ?? 0) + 1;
  const sampled = attempts.filter((a) => a.sampled && a.status === 201 && a.traceId && a.paymentId);
  report.sampled = attempts.filter((a) => a.sampled).length;
  const deadline = Date.now() + (options.settleTimeoutMs ?? 30_000);

  await forEachLimited(sampled, 8, async (a) => {
    const { spans, problems, worst } = await settledPaymentTrace(
      jaeger,
      { traceId: a.traceId!, paymentId: a.paymentId! },
      { deadline, ...(options.toleranceUs === undefined ? {} : { toleranceUs: options.toleranceUs }) },
    );
    report.checked++;
    if (!worst) report.good++;
    else {
      report.bad[worst]++;
      report.examples[worst] ??= { traceId: a.traceId!, paymentId: a.paymentId!, problems, spans };
    }
  });

  const unsampled = attempts.filter((a) => a.sampled === false && a.traceId);
  report.unsampled = unsampled.length;
  await forEachLimited(unsampled, 8, async (a) => {
    if (await jaeger.getTrace(a.traceId!)) report.unsampledStored++;
  });
  return report;
}

/** The first bad trace of the worst kind found. */
export function firstBad(report: FidelityReport): BadTrace | undefined {
  const worst = worstProblem(Object.values(report.examples).flatMap((e) => e.problems));
  return worst && report.examples[worst];
}

/** The report as a few lines, each kind's first problems, and the worst bad trace as a waterfall. */
export function formatReport(report: FidelityReport): string {
  const bad = Object.entries(report.bad)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `requests ${report.requests} (HTTP ${Object.entries(report.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}), sampled ${report.sampled}, unsampled ${report.unsampled}`,
    `traces checked ${report.checked}: good ${report.good}; bad: ${bad}; unsampled but stored ${report.unsampledStored}`,
  ];
  for (const [kind, example] of Object.entries(report.examples)) {
    const own = example.problems.filter((p) => p.kind === kind);
    lines.push(
      `first ${kind} trace ${example.traceId}: ${own
        .slice(0, 3)
        .map((p) => p.detail)
        .join('; ')}${own.length > 3 ? ` (+${own.length - 3} more)` : ''}`,
    );
  }
  const worst = firstBad(report);
  if (worst) {
    lines.push(`the first ${worstProblem(worst.problems)} trace, ${worst.traceId} (payment ${worst.paymentId}):`, describeTrace(worst.spans));
  }
  return lines.join('\n');
}
