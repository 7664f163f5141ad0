import { diag, trace, type Context, type SpanContext, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, ConsoleSpanExporter, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes, envDetector, hostDetector, processDetector } from '@opentelemetry/resources';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { IncomingMessage } from 'node:http';

/** Requests that are probes, not traffic: no spans (and so no orphan DB spans below them). */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

const UNTRUSTED_PARENT = Symbol.for('paytrace.untrusted-inbound-span-context');

/**
 * At the public edge, a caller's `traceparent` must not decide our sampling or graft our spans
 * onto its trace (W3C Trace Context, security considerations: forced sampling from outside is a
 * denial-of-service vector). We start a new trace and keep the caller's context as a link.
 * Outbound injection is unchanged, so internal hops propagate normally.
 */
class EdgePropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const remote = trace.getSpanContext(this.inner.extract(ctx, carrier, getter));
    // Inbound baggage is dropped too: it is the caller's word, not ours.
    return remote ? ctx.setValue(UNTRUSTED_PARENT, remote) : ctx;
  }

  fields(): string[] {
    return this.inner.fields();
  }
}

/** Adds the link to the caller's context on the span that starts our trace at the edge. */
class LinkUntrustedParent implements SpanProcessor {
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
 * OTLP over HTTP in the encoding OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL
 * names: http/protobuf (the spec's default) or http/json. gRPC is not built in: the Collector
 * takes both HTTP encodings on 4318.
 */
function otlpExporter() {
  const protocol = (process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol === 'http/json') return new OTLPJsonTraceExporter();
  if (protocol !== 'http/protobuf') diag.warn(`OTLP protocol ${protocol} is not supported by paytrace's bootstrap; using http/protobuf`);
  return new OTLPProtobufTraceExporter();
}

/**
 * OTEL_TRACES_EXPORTER as the spec defines it (otlp, console, none). The processors are built
 * here rather than by NodeSDK because the edge adds a processor of its own, and NodeSDK reads
 * the variable only when it builds all of them.
 */
function exportProcessors(): SpanProcessor[] {
  const names = (process.env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((n) => n.trim());
  return names.flatMap((name): SpanProcessor[] => {
    // Batching keeps export off the request path; OTEL_BSP_* tune it.
    if (name === 'otlp') return [new BatchSpanProcessor(otlpExporter())];
    if (name === 'console') return [new BatchSpanProcessor(new ConsoleSpanExporter())];
    return [];
  });
}

const isProbe = (req: IncomingMessage) => PROBE_PATHS.has((req.url ?? '').split('?')[0] ?? '');

export function startSdk(options: { serviceVersion: string }): { shutdown(): Promise<void> } {
  const edge = process.env.PAYTRACE_PUBLIC_EDGE === 'true' && process.env.PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT !== 'true';
  const standard = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

  const sdk = new NodeSDK({
    // Defaults; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) override them.
    resource: resourceFromAttributes({
      'service.namespace': 'paytrace',
      'service.version': options.serviceVersion,
      'deployment.environment.name': process.env.PAYTRACE_ENVIRONMENT ?? 'local',
    }),
    resourceDetectors: [envDetector, hostDetector, processDetector],
    spanProcessors: [...(edge ? [new LinkUntrustedParent()] : []), ...exportProcessors()],
    ...(edge && !process.env.OTEL_PROPAGATORS ? { textMapPropagator: new EdgePropagator(standard) } : {}),
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: isProbe,
          // Outbound calls outside a request (readiness pings, start-up) would be orphan roots.
          requireParentforOutgoingSpans: true,
        },
        '@opentelemetry/instrumentation-undici': { requireParentforSpans: true },
        // Query text only (parameterised); values are never recorded (enhancedDatabaseReporting off).
        '@opentelemetry/instrumentation-pg': {
          requireParentSpan: true,
          enhancedDatabaseReporting: false,
          // Pool checkouts are a sixth of a payment's spans and rarely what a reader looks for (the
          // sampling lab's A/B: ~2% less CPU at 100%); PAYTRACE_PG_CONNECT_SPANS=true brings them back.
          ignoreConnectSpans: process.env.PAYTRACE_PG_CONNECT_SPANS !== 'true',
        },
        // trace_id/span_id in every log line; the lines themselves stay on stdout (no OTLP logs).
        '@opentelemetry/instrumentation-pino': { disableLogSending: true },
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (opts) => PROBE_PATHS.has(opts.url) }),
    ],
  });
  sdk.start();
  return sdk;
}
