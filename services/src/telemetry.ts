/**
 * The OpenTelemetry bootstrap of every paytrace service, loaded before the app:
 *
 *   node --import @paytrace/services/telemetry dist/server.js
 *
 * It is the only module that knows the SDK. Apps use `@opentelemetry/api` alone. Everything is
 * configured through the standard variables: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (its
 * service.instance.id defaults to a UUID v5 of name, host and PORT, instance-id.ts; `npm run stack
 * -- --replicas` sets `balance-2` etc.),
 * OTEL_TRACES_SAMPLER(_ARG) (default parentbased_always_on), OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (http/protobuf, the default, or http/json),
 * OTEL_PROPAGATORS (default tracecontext,baggage), OTEL_BSP_* (queue 8192 by default),
 * OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT (25 s by default), OTEL_METRICS_EXPORTER (otlp by default;
 * none turns metrics off), OTEL_METRIC_EXPORT_INTERVAL (10 s by default), OTEL_SDK_DISABLED, and
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS (default http,undici,pg,runtime-node; log correlation needs no
 * instrumentation: createServiceApp's pino mixin adds trace_id/span_id).
 *
 * paytrace's own switches:
 *   PAYTRACE_PUBLIC_EDGE=true                   this service faces the internet (the gateway): every
 *                                               OTEL_PROPAGATORS format is wrapped (edge-propagator.ts)
 *   PAYTRACE_TRUST_INBOUND_TRACE_CONTEXT=true   ...but let callers' traceparent join our traces
 *   PAYTRACE_TELEMETRY_FLUSH_TIMEOUT_MS=5000     bound on the span flush at shutdown
 *   PAYTRACE_PG_CONNECT_SPANS=true              also a span per pool checkout (off: cheaper)
 *   PAYTRACE_FASTIFY_HOOK_SPANS=true            also a span per Fastify hook (off: cheaper)
 *   PAYTRACE_PG_SQLCOMMENTER=false              no traceparent comment in query texts (db-waits.ts)
 *   PAYTRACE_UNSAMPLED_SHORTCUTS=all            which shortcuts for work nobody records are on (unsampled-shortcuts.ts)
 */
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { addShutdownHook } from './shutdown.js';
import { defaultServiceInstanceId } from './instance-id.js';

const enabled = !/^(true|1)$/i.test(process.env.OTEL_SDK_DISABLED ?? '');

if (enabled) {
  // ESM: let instrumentations patch packages loaded with `import` (pg, fastify), and only those.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  // Defaults of standard knobs, each still overridable from the environment. Traces and metrics
  // go to the Collector over OTLP (metrics from every request, sampled or not: HTTP server and
  // client durations, pg query durations and pool, the runtime's event loop, GC and heap), every
  // 10 s rather than the SDK's 60 s, so a minute of load is six points. Logs stay on stdout.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= 'http,undici,pg,runtime-node';
  process.env.OTEL_SEMCONV_STABILITY_OPT_IN ??= 'http,database';
  process.env.OTEL_METRICS_EXPORTER ??= 'otlp';
  process.env.OTEL_METRIC_EXPORT_INTERVAL ??= '10000';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  // Ride out a Collector that stops answering for a while (a pause, a restart) without losing
  // spans: an export may wait 25 s for its answer (below the batch processor's 30 s export
  // timeout; the SDK default of 10 s dropped a 512-span batch when a Collector paused for 15 s),
  // and up to 8192 finished spans wait meanwhile (about 30 s of 20 payments/s at full sampling
  // in the busiest service, some 10 MB).
  if (!process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) process.env.OTEL_EXPORTER_OTLP_TIMEOUT ??= '25000';
  process.env.OTEL_BSP_MAX_QUEUE_SIZE ??= '8192';
  // Every span and metric says which process served it (service.instance.id; Prometheus's
  // `instance` label): a stable UUID unless OTEL_RESOURCE_ATTRIBUTES names one (instance-id.ts).
  defaultServiceInstanceId();

  const { startSdk } = await import('./telemetry-sdk.js');
  const sdk = startSdk({ serviceVersion: packageVersion() });
  await waitForAllMessagesAcknowledged();

  // Flush the last spans at shutdown, but never wait longer than this for the Collector.
  const flushTimeoutMs = Number(process.env.PAYTRACE_TELEMETRY_FLUSH_TIMEOUT_MS ?? 5_000);
  const shutdown = () => Promise.race([sdk.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, flushTimeoutMs).unref())]);
  addShutdownHook(shutdown);
  // A process that ends without listen()'s graceful shutdown (a script, a crash) still flushes.
  process.once('beforeExit', () => {
    void shutdown();
  });
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
