/** Tracing helpers for the apps (API only): the payment id header, the SERVER span, failures, log fields, linked traces. */
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';

const tracer = trace.getTracer('@paytrace/services');

/**
 * The payment a request between paytrace services is made for: the caller sends it in this
 * header and the receiving service's SERVER span records it as PAYMENT_ID_ATTRIBUTE (the
 * telemetry bootstrap does that, behind the public edge only). It comes from the caller's own
 * code, never from the trace context, so it also proves which request a hop belongs to.
 */
export const PAYMENT_ID_HEADER = 'paytrace-payment-id';
export const PAYMENT_ID_ATTRIBUTE = 'paytrace.payment.id';

/**
 * The SERVER span of the HTTP request being handled: the root of this service's part of the
 * trace (and of the whole trace, in the gateway). Hook and handler spans sit below it.
 */
export function serverSpan(): Span | undefined {
  return getRPCMetadata(context.active())?.span ?? trace.getActiveSpan();
}

/**
 * Records a failure where a trace reader looks for it: on the span active where it happened and
 * on this service's SERVER span. 5xx answers are errors (status ERROR + `error.type`); 4xx
 * answers are the client's mistake and, per the HTTP semantic conventions, leave a SERVER span's
 * status unset. Both carry `paytrace.error.code`.
 */
export function recordFailure(code: string, httpStatus: number, err?: unknown): void {
  const spans = new Set([trace.getActiveSpan(), serverSpan()].filter((s): s is Span => s?.isRecording() === true));
  for (const span of spans) {
    span.setAttribute('paytrace.error.code', code);
    if (httpStatus >= 500) {
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      if (err instanceof Error) span.recordException({ name: err.name, message: err.message });
    }
  }
}

/**
 * Log correlation: `trace_id`, `span_id` and `trace_flags` of the active span, for every log line
 * (pino's `mixin`, called only for lines that are written). Unsampled requests keep their ids too:
 * their lines still join up across services, and `trace_flags` 00 says no trace was recorded.
 */
export function logCorrelationFields(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: (ctx.traceFlags & 0xff).toString(16).padStart(2, '0') };
}

/** The W3C Trace Context Level 2 `traceresponse` header for the current request. */
export function traceResponseHeader(): string | undefined {
  const ctx = serverSpan()?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return undefined;
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.traceFlags.toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Runs `fn` as the root span of a trace of its own, linked to the span that `traceparent` (W3C)
 * names: work that continues a request after the request has answered (the gateway's reconciler
 * settling a payment) is not a child of that request, whose trace has long ended, but points
 * back at it. The span ends when `fn` settles; a throw marks it as an error.
 */
export async function inLinkedTrace<T>(
  name: string,
  options: { traceparent: string | null | undefined; attributes: Attributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parsed = TRACEPARENT.exec(options.traceparent ?? '');
  const links = parsed ? [{ context: { traceId: parsed[1]!, spanId: parsed[2]!, traceFlags: parseInt(parsed[3]!, 16), isRemote: true } }] : [];
  return tracer.startActiveSpan(name, { root: true, kind: SpanKind.INTERNAL, links, attributes: options.attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      if (err instanceof Error) span.recordException({ name: err.name, message: err.message });
      throw err;
    } finally {
      span.end();
    }
  });
}
