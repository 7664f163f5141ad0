/**
 * The public edge's propagation (edgePropagatorFromEnv): whatever OTEL_PROPAGATORS configures,
 * a caller's trace context becomes a link on a new trace, never its parent.
 */
import { trace, type Context, type SpanContext, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

const UNTRUSTED_PARENT = Symbol.for('paytrace.untrusted-inbound-span-context');

/**
 * At the public edge, a caller's `traceparent` must not decide our sampling or graft our spans
 * onto its trace (W3C Trace Context, security considerations: forced sampling from outside is a
 * denial-of-service vector). We start a new trace and keep the caller's context as a link.
 * Outbound injection is unchanged, so internal hops propagate normally. The inner propagator may
 * be any (W3C, B3, Jaeger, a composite of them): whichever header carried the caller's context,
 * it is only ever a link.
 */
export class EdgePropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const remote = trace.getSpanContext(this.inner.extract(ctx, carrier, getter));
    // Inbound baggage is dropped too (W3C baggage, Jaeger's uberctx-*): it is the caller's word, not ours.
    return remote ? ctx.setValue(UNTRUSTED_PARENT, remote) : ctx;
  }

  fields(): string[] {
    return this.inner.fields();
  }
}

/** Adds the link to the caller's context on the span that starts our trace at the edge. */
export class LinkUntrustedParent implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const remote = parentContext.getValue(UNTRUSTED_PARENT) as SpanContext | undefined;
    if (remote && !trace.getSpan(parentContext)) {
      span.addLink({ context: remote, attributes: { 'paytrace.link.reason': 'untrusted_inbound_traceparent' } });
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The propagators OTEL_PROPAGATORS may name, as @opentelemetry/sdk-node builds them from the
 * variable (its getPropagatorFromEnv is not part of its public API, so the same table is here).
 */
const PROPAGATORS: Record<string, () => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: () => new B3Propagator(),
  b3multi: () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  jaeger: () => new JaegerPropagator(),
};

/** The spec's default when OTEL_PROPAGATORS is unset or empty. */
const DEFAULT_PROPAGATORS = ['tracecontext', 'baggage'];

/**
 * The edge's propagator for the configured OTEL_PROPAGATORS (default tracecontext,baggage), each
 * wrapped so no inbound context is trusted; `null` for `none` (nothing is extracted or injected,
 * which is safe at the edge). A name it cannot build throws: the SDK would only warn and skip it,
 * and an edge whose protection depends on a name it does not know must not start quietly.
 */
export function edgePropagatorFromEnv(env: NodeJS.ProcessEnv = process.env): TextMapPropagator | null {
  const names = [...new Set(propagatorNames(env) ?? DEFAULT_PROPAGATORS)];
  if (names.includes('none')) return null;
  const unknown = names.filter((name) => !(name in PROPAGATORS));
  if (unknown.length > 0) {
    throw new Error(
      `OTEL_PROPAGATORS=${env.OTEL_PROPAGATORS}: the public edge (PAYTRACE_PUBLIC_EDGE=true) cannot wrap ${unknown.join(', ')} ` +
        `so that a caller's trace context is only a link; use ${Object.keys(PROPAGATORS).join(', ')} or none, ` +
        'or PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT=true to trust callers.',
    );
  }
  const propagators = names.map((name) => PROPAGATORS[name]!());
  return new EdgePropagator(propagators.length === 1 ? propagators[0]! : new CompositePropagator({ propagators }));
}

/** OTEL_PROPAGATORS as a list, parsed as the SDK does (comma-separated, trimmed; empty is unset). */
function propagatorNames(env: NodeJS.ProcessEnv): string[] | undefined {
  const list = (env.OTEL_PROPAGATORS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return list.length > 0 ? list : undefined;
}
