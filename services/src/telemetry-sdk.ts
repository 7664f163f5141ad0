/** The OpenTelemetry NodeSDK as paytrace starts it (startSdk): sampler, edge propagator, exporter, instrumentations, clock. */
import { diag, type HrTime, type Span as ApiSpan } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes, envDetector, hostDetector, processDetector } from '@opentelemetry/resources';
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { IncomingMessage, ServerResponse, type ClientRequest } from 'node:http';
import { edgePropagatorFromEnv, LinkUntrustedParent } from './edge-propagator.js';
import { AnchoredClock, PreciseStartTimeProcessor } from './span-clock.js';
import { samplerFromEnv } from './sampling.js';
import { PAYMENT_ID_ATTRIBUTE, PAYMENT_ID_HEADER } from './tracing.js';
import { recordQuerySpan } from './query-span-slot.js';
import { shortcutOn } from './unsampled-shortcuts.js';
import { EmitBindingContextManager } from './context-manager.js';
import { addSqlCommenterOnlyWhenSampled } from './sqlcommenter-when-sampled.js';
import { recordRoutesForMetrics, skipUnrecorded } from './fastify-unsampled.js';

/** Requests that are probes, not traffic: no spans (and so no orphan DB spans below them). */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

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

/** Behind the edge, the SERVER span records the payment its caller says the request is for. */
function recordPaymentId(span: ApiSpan, request: IncomingMessage | ClientRequest): void {
  if (!(request instanceof IncomingMessage) || !span.isRecording()) return;
  const paymentId = request.headers[PAYMENT_ID_HEADER];
  if (typeof paymentId === 'string' && paymentId.length <= 128) span.setAttribute(PAYMENT_ID_ATTRIBUTE, paymentId);
}

/**
 * WORKAROUND (docs/upstream/opentelemetry-instrumentation-http-server-span-end.md): the http
 * instrumentation ends a SERVER span on the response's 'close' event, which under load comes
 * milliseconds after `res.end()` handed the answer to the socket, so the SERVER span outlived the
 * caller's CLIENT span that had already received the answer. The span now ends at `res.end()`;
 * the instrumentation still sets its attributes before it calls `end()`.
 */
function endServerSpanAtResponseEnd(clock: AnchoredClock) {
  return (span: ApiSpan, response: IncomingMessage | ServerResponse): void => {
    if (!(response instanceof ServerResponse) || !span.isRecording()) return;
    let answeredAt: HrTime | undefined;
    const endResponse = response.end;
    response.end = function (this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
      answeredAt ??= clock.now();
      return endResponse.apply(this, args);
    } as ServerResponse['end'];
    const endSpan = span.end.bind(span);
    span.end = (endTime) => endSpan(endTime ?? answeredAt);
  };
}

/**
 * Bucket bounds (seconds) of the request and query duration histograms. The semantic conventions'
 * advice stops at 5, 10, 25, 50, 75 ms, too coarse where payments are (a p99 somewhere in
 * 50–75 ms). These are finer from 1 to 100 ms, and the same as the Collector's span metrics
 * (otel-collector.yaml, in ms), so SDK and span metrics estimate the same quantiles.
 */
export const DURATION_BUCKETS_S = [
  0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10,
];
const DURATION_HISTOGRAMS = ['http.server.request.duration', 'http.client.request.duration', 'db.client.operation.duration'];
const durationViews = (): ViewOptions[] =>
  DURATION_HISTOGRAMS.map((instrumentName) => ({
    instrumentName,
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: DURATION_BUCKETS_S } },
  }));

/** Re-anchors the span clock when the wall clock moved; off the request path. */
const CLOCK_CHECK_INTERVAL_MS = 5_000;

export function startSdk(options: { serviceVersion: string }): { shutdown(): Promise<void> } {
  const publicEdge = process.env.PAYTRACE_PUBLIC_EDGE === 'true';
  const edge = publicEdge && process.env.PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT !== 'true';
  const clock = new AnchoredClock();
  setInterval(() => clock.checkDrift(), CLOCK_CHECK_INTERVAL_MS).unref();
  // At the edge every configured propagator is wrapped (or start-up fails, naming what cannot be):
  // OTEL_PROPAGATORS must not quietly turn the edge's protection off. Elsewhere NodeSDK reads it.
  const edgePropagator = edge ? edgePropagatorFromEnv() : undefined;

  const sampler = samplerFromEnv();
  const sqlCommenter = process.env.PAYTRACE_PG_SQLCOMMENTER !== 'false';
  if (sqlCommenter && shortcutOn('sqlcommenter')) addSqlCommenterOnlyWhenSampled();
  // Only with paytrace's parent-based sampler: a child of an unrecorded span is then never recorded.
  const skipFastifyUnrecorded = sampler !== undefined && shortcutOn('fastify');
  if (skipFastifyUnrecorded) recordRoutesForMetrics();
  const sdk = new NodeSDK({
    // PAYTRACE_UNSAMPLED_SHORTCUTS (unsampled-shortcuts.ts): cheaper emitter binding and context switches.
    ...(shortcutOn('context') ? { contextManager: new EmitBindingContextManager() } : {}),
    // OTEL_TRACES_SAMPLER as the SDK reads it, except that a new trace linked to a recorded one is recorded (sampling.ts).
    ...(sampler ? { sampler } : {}),
    // Defaults; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) override them.
    resource: resourceFromAttributes({
      'service.namespace': 'paytrace',
      'service.version': options.serviceVersion,
      'deployment.environment.name': process.env.PAYTRACE_ENVIRONMENT ?? 'local',
    }),
    resourceDetectors: [envDetector, hostDetector, processDetector],
    // Metrics: OTEL_METRICS_EXPORTER (otlp by default, see telemetry.ts) as NodeSDK reads it.
    views: durationViews(),
    // The clock first: every later processor (and exporter) sees the precise start time.
    spanProcessors: [new PreciseStartTimeProcessor(clock), ...(edge ? [new LinkUntrustedParent()] : []), ...exportProcessors()],
    ...(edgePropagator !== undefined ? { textMapPropagator: edgePropagator } : {}),
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: isProbe,
          // Outbound calls outside a request (readiness pings, start-up) would be orphan roots.
          requireParentforOutgoingSpans: true,
          // The public edge takes no caller's word for which payment a request is (see tracing.ts).
          ...(publicEdge ? {} : { requestHook: recordPaymentId }),
          responseHook: endServerSpanAtResponseEnd(clock),
        },
        '@opentelemetry/instrumentation-undici': { requireParentforSpans: true },
        // Query text only (parameterised); values are never recorded (enhancedDatabaseReporting off).
        '@opentelemetry/instrumentation-pg': {
          requireParentSpan: true,
          enhancedDatabaseReporting: false,
          // Pool checkouts are a sixth of a payment's spans and rarely what a reader looks for (the
          // sampling lab's A/B: ~2% less CPU at 100%); PAYTRACE_PG_CONNECT_SPANS=true brings them back.
          ignoreConnectSpans: process.env.PAYTRACE_PG_CONNECT_SPANS !== 'true',
          // Hands each query's span to the pool's wait watcher (db-waits.ts), which knows the backend pid.
          requestHook: recordQuerySpan,
          // A /*traceparent='…'*/ comment at the end of each query's text as Postgres sees it, so a
          // query waiting on a lock can name the trace of the request holding it (db-waits.ts); only
          // on sampled queries (sqlcommenter-when-sampled.ts). The span's db.query.text is recorded
          // before the comment is added. PAYTRACE_PG_SQLCOMMENTER=false: off.
          addSqlCommenterCommentToQueries: sqlCommenter,
        },
        // Only if enabled (OTEL_NODE_ENABLED_INSTRUMENTATIONS=…,pino): log correlation is pino's own
        // mixin in createServiceApp; this would add the same fields. Lines stay on stdout (no OTLP logs).
        '@opentelemetry/instrumentation-pino': { disableLogSending: true },
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // Probes, and (fastify-unsampled.ts) requests whose trace is not recorded.
        ignorePaths: (opts) => PROBE_PATHS.has(opts.url) || (skipFastifyUnrecorded && skipUnrecorded()),
        // A span per lifecycle hook (onRequest, preValidation, onSend, …) is most of @fastify/otel's
        // spans and tells little: off unless PAYTRACE_FASTIFY_HOOK_SPANS=true. The route handler's
        // span stays: it separates the handler's own time from Fastify's parsing, validation and
        // serialisation, and it parents the handler's outgoing calls.
        instrumentHooks: process.env.PAYTRACE_FASTIFY_HOOK_SPANS === 'true',
      }),
    ],
  });
  sdk.start();
  return sdk;
}
