/**
 * What a payment's trace and a reconciliation run's trace say, read from their spans: which payment
 * (the gateway's payment span), and for a run of the gateway's reconciler its attempt, outcome
 * and link back to the payment's request.
 */
import { TRACE_ID, rootOf, type TraceSpan } from '@paytrace/trace-analysis';

/** The gateway's payment route: the traces the front page lists and judges. */
export const PAYMENT_SEARCH = { service: 'gateway', operation: 'POST /process-payment' } as const;

/**
 * The gateway's reconciler: a payment left open by a failure or a crash is driven to its end later,
 * in the background, each run a trace of its own whose root is this INTERNAL span, carrying the
 * payment id, the attempt and the outcome, and a span link to the payment's request span.
 */
export const RECONCILE_SEARCH = { service: 'gateway', operation: 'reconcile payment' } as const;

/** The attribute the gateway's payment span and its reconciliation runs carry (and Jaeger searches). */
export const PAYMENT_ID_ATTRIBUTE = 'paytrace.payment.id';

/** One reconciliation run, from its trace. */
export interface Reconciliation {
  traceId: string;
  paymentId: string;
  attempt: number | undefined;
  /** `succeeded` (charged, hold captured), `released` (not charged, hold given back), `retry_later`; as recorded. */
  outcome: string | undefined;
  /** The run's root span ended with status ERROR. */
  error: boolean;
  /** The payment's request span, from the run's span link (Jaeger: a reference to another trace). */
  original: { traceId: string; spanId: string } | undefined;
  /** ms since the epoch */
  startMs: number;
  durationUs: number;
}

/** A payment's reconciliation runs, oldest first, or why the search failed. */
export type Settlements =
  | { paymentId: string; runs: Reconciliation[]; /** false: Jaeger returned its limit, there may be more. */ complete: boolean }
  | { paymentId: string; error: string };

const paymentIdIn = (s: TraceSpan): string | undefined => {
  const id = s.tags[PAYMENT_ID_ATTRIBUTE];
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
};

/**
 * Jaeger writes a trace id whose upper 64 bits are zero in 16 digits; the pages use all 32. Any
 * other shape is not a trace id, and not linked.
 */
function fullTraceId(raw: string): string | undefined {
  const id = raw.toLowerCase().padStart(32, '0');
  return TRACE_ID.test(id) ? id : undefined;
}

/** The payment a payment's trace is about: its gateway `POST /process-payment` SERVER span's id. */
export function paymentOf(spans: TraceSpan[]): { paymentId: string; span: TraceSpan } | undefined {
  for (const s of spans) {
    if (s.service !== PAYMENT_SEARCH.service || s.name !== PAYMENT_SEARCH.operation || s.kind !== 'server') continue;
    const paymentId = paymentIdIn(s);
    if (paymentId) return { paymentId, span: s };
  }
  return undefined;
}

/**
 * The reconciliation run a trace is, if its root is the reconciler's span. Its link to the
 * payment's request comes from the root's references to another trace (a FOLLOWS_FROM reference,
 * as Jaeger shows an OTLP span link); the root has no parent, so it stays the root.
 */
export function reconciliationOf(spans: TraceSpan[]): Reconciliation | undefined {
  const root = rootOf(spans);
  if (!root || root.service !== RECONCILE_SEARCH.service || root.name !== RECONCILE_SEARCH.operation) return undefined;
  const paymentId = paymentIdIn(root);
  if (!paymentId) return undefined;
  const attempt = Number(root.tags['paytrace.reconcile.attempt']);
  const outcome = root.tags['paytrace.reconcile.outcome'];
  const link = root.links.find((l) => l.traceId !== root.traceId && fullTraceId(l.traceId) !== undefined);
  return {
    traceId: fullTraceId(root.traceId) ?? root.traceId,
    paymentId,
    attempt: Number.isInteger(attempt) && attempt >= 0 ? attempt : undefined,
    outcome: typeof outcome === 'string' && outcome.length > 0 ? outcome : undefined,
    error: root.tags['otel.status_code'] === 'ERROR',
    original: link ? { traceId: fullTraceId(link.traceId)!, spanId: link.spanId } : undefined,
    startMs: root.startTime / 1000,
    durationUs: root.duration,
  };
}
