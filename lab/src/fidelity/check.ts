/** Is a payment's trace true? checkPaymentTrace() finds malformed, incomplete, cross-wired or mis-nested spans. */
import type { TraceSpan } from '@paytrace/trace-analysis';

/**
 * Is a payment's trace true? The checks behind test/fidelity.test.ts and `npm run fidelity`,
 * pure functions over the spans Jaeger returned for one trace.
 */

/** How far a child may stick out of its parent's time span, in microseconds (Jaeger's unit). */
export const NESTING_TOLERANCE_US = 300;

/** SERVER spans a plain successful payment has in each service behind the gateway. */
export const PLAIN_SUCCESS_HOPS: Readonly<Record<string, number>> = { auth: 1, balance: 2, payments: 1 };

export type ProblemKind =
  /** Not exactly one root, or a span whose parent is not in the trace. */
  | 'malformed'
  /** A service or hop is missing: the trace is not the whole request. */
  | 'incomplete'
  /** A span of another request is in this trace (another payment id, or extra hops). */
  | 'cross-wired'
  /** A child starts before its parent or ends after it, beyond the tolerance. */
  | 'mis-nested';

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

export interface PaymentTraceExpectation {
  /** The payment the request made (its answer's `payment_id`). */
  paymentId: string;
  /** SERVER spans per service behind the gateway; default: a plain success. */
  hops?: Readonly<Record<string, number>>;
  toleranceUs?: number;
}

const PAYMENT_ID = 'paytrace.payment.id';
const label = (s: TraceSpan) => `${s.service} ${s.kind ?? '-'} "${s.name}"`;

/** Every way `spans` falls short of being exactly the trace of this one payment. */
export function checkPaymentTrace(spans: TraceSpan[], expected: PaymentTraceExpectation): Problem[] {
  const problems: Problem[] = [];
  const hops = expected.hops ?? PLAIN_SUCCESS_HOPS;
  const tolerance = expected.toleranceUs ?? NESTING_TOLERANCE_US;
  const byId = new Map(spans.map((s) => [s.spanId, s]));

  const roots = spans.filter((s) => s.parentSpanId === undefined);
  if (roots.length !== 1) problems.push({ kind: 'malformed', detail: `${roots.length} root spans` });
  for (const s of spans) {
    if (s.parentSpanId !== undefined && !byId.has(s.parentSpanId)) problems.push({ kind: 'malformed', detail: `orphan ${label(s)}` });
  }
  const root = roots[0];
  if (root && !(root.service === 'gateway' && root.kind === 'server')) {
    problems.push({ kind: 'malformed', detail: `the root is ${label(root)}, not the gateway's SERVER span` });
  }

  // Every SERVER span names the payment it served; one of another payment was cross-wired here.
  const servers = spans.filter((s) => s.kind === 'server');
  for (const s of servers) {
    const id = s.tags[PAYMENT_ID];
    if (id === undefined) problems.push({ kind: 'incomplete', detail: `${label(s)} has no ${PAYMENT_ID}` });
    else if (id !== expected.paymentId) problems.push({ kind: 'cross-wired', detail: `${label(s)} is for ${String(id)}` });
  }

  // One SERVER span per hop, each under a CLIENT span of the gateway.
  for (const [service, count] of Object.entries(hops)) {
    const own = servers.filter((s) => s.service === service);
    if (own.length < count) problems.push({ kind: 'incomplete', detail: `${service}: ${own.length} of ${count} SERVER spans` });
    if (own.length > count) problems.push({ kind: 'cross-wired', detail: `${service}: ${own.length} SERVER spans, expected ${count}` });
    for (const s of own) {
      const parent = s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
      if (parent && !(parent.kind === 'client' && parent.service === 'gateway')) {
        problems.push({ kind: 'malformed', detail: `${label(s)} is under ${label(parent)}, not a gateway CLIENT span` });
      }
    }
  }
  const gatewayServers = servers.filter((s) => s.service === 'gateway');
  if (gatewayServers.length > 1) problems.push({ kind: 'cross-wired', detail: `${gatewayServers.length} gateway SERVER spans` });

  for (const s of spans) {
    const parent = s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
    if (!parent) continue;
    const early = parent.startTime - s.startTime;
    const late = s.startTime + s.duration - (parent.startTime + parent.duration);
    if (early > tolerance || late > tolerance) {
      problems.push({
        kind: 'mis-nested',
        detail: `${label(s)} ${early > tolerance ? `starts ${early} µs before` : `ends ${late} µs after`} its parent ${label(parent)}`,
      });
    }
  }
  return problems;
}

/** The worst kind first: what a summary of a trace calls it. */
const SEVERITY: ProblemKind[] = ['cross-wired', 'malformed', 'incomplete', 'mis-nested'];

export function worstProblem(problems: Problem[]): ProblemKind | undefined {
  return SEVERITY.find((kind) => problems.some((p) => p.kind === kind));
}
