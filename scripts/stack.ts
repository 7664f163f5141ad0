/**
 * `npm run stack`: the whole paytrace stack on this machine, natively, in dependency order:
 * Postgres → stripe-mock → Jaeger → OpenTelemetry Collector → auth, balance, payments →
 * gateway. Streams every log line prefixed with its source, prints where everything is, and
 * stops it all on Ctrl-C.
 *
 *   npm run stack                 # data kept in .data/postgres between runs
 *   npm run stack -- --reset      # start from the seed data
 *   DATABASE_URL=postgres://… npm run stack   # use your own Postgres instead
 *   npm run stack -- --stripe-latency-ms 320  # Stripe as far away as the real one (the lesson's chart)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, type PostgresHandle } from './lib/postgres.js';
import { startLatencyProxy, type LatencyProxy } from './lib/latency-proxy.js';
import { prefixer, waitForHttp, type ManagedProcess } from './lib/processes.js';
import { resetData } from './lib/reset-data.js';
import { startServices, type RunningServices } from './lib/services.js';
import { startTelemetryPipeline, type TelemetryPipeline } from './lib/telemetry-pipeline.js';
import { ROOT, stackSettings } from './lib/stack-settings.js';
import { startStripeMock } from './lib/tools.js';

const { values: args } = parseArgs({
  options: { reset: { type: 'boolean', default: false }, 'stripe-latency-ms': { type: 'string', default: '0' } },
});
const stripeLatencyMs = Number(args['stripe-latency-ms']);
const settings = stackSettings();
const startedAt = performance.now();
const say = prefixer('stack');
const loggers = new Map<string, (line: string) => void>();
const logFor = (name: string) => loggers.get(name) ?? loggers.set(name, prefixer(name)).get(name)!;

let postgres: PostgresHandle | undefined;
let stripeMock: ManagedProcess | undefined;
let services: RunningServices | undefined;
let pipeline: TelemetryPipeline | undefined;
let stripeProxy: LatencyProxy | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping: services, collector, jaeger, stripe-mock, postgres…');
    await services?.stop();
    await pipeline?.stop();
    await stripeProxy?.close();
    await stripeMock?.stop();
    await postgres?.stop();
    say('stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {

  if (settings.externalDatabase) {
    say(`using DATABASE_URL (your Postgres)`);
  } else {
    say(`starting postgres on 127.0.0.1:${settings.ports.postgres} (data in .data/postgres)`);
    postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'postgres'), port: settings.ports.postgres, log: prefixer('postgres') });
  }
  if (args.reset) {
    await resetData(settings.databaseUrl);
    say('data reset to the seed');
  }

  say(`starting stripe-mock on 127.0.0.1:${settings.ports.stripeMock}`);
  stripeMock = await startStripeMock({ port: settings.ports.stripeMock, onLine: logFor('stripe-mock') });
  let stripeApiBase = `http://127.0.0.1:${settings.ports.stripeMock}`;
  if (stripeLatencyMs > 0) {
    // stripe-mock answers in ~1 ms; a real card network takes hundreds. The proxy delays the
    // real stripe-mock's answers so traces look like production's.
    stripeProxy = await startLatencyProxy({ targetPort: settings.ports.stripeMock, latencyMs: stripeLatencyMs });
    stripeApiBase = `http://127.0.0.1:${stripeProxy.port}`;
    say(`Stripe answers ${stripeLatencyMs} ms late (through 127.0.0.1:${stripeProxy.port})`);
  }

  say(`starting jaeger (API on 127.0.0.1:${settings.telemetry.jaegerQuery}) and the collector (OTLP on 127.0.0.1:${settings.telemetry.otlpHttp})`);
  pipeline = await startTelemetryPipeline({
    ports: settings.telemetry,
    // Jaeger's traces and the Collector's queue are kept between runs, like Postgres's data.
    dataDir: join(ROOT, '.data', 'telemetry'),
    onLine: (name, line) => logFor(name)(line),
  });

  services = await startServices({
    ports: settings.ports,
    databaseUrl: settings.databaseUrl,
    stripeApiBase,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint },
  });
  await waitForHttp(`${services.urls.gateway}/readyz`, { timeoutMs: 30_000 });

  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const gateway = services.urls.gateway;
  console.log(`
paytrace is up (${seconds} s). Ctrl-C stops everything.

  gateway     ${gateway}            (the public API)
  auth        ${services.urls.auth}
  balance     ${services.urls.balance}
  payments    ${services.urls.payments}
  stripe-mock http://127.0.0.1:${settings.ports.stripeMock}
  postgres    ${settings.databaseUrl.replace(/\/\/[^@]*@/, '//')}
  collector   ${pipeline.otlpEndpoint}  (OTLP/HTTP; its own metrics: ${pipeline.collectorMetricsUrl})
  jaeger      ${pipeline.jaegerUrl}  (HTTP API; a go-installed Jaeger has no UI: see README)

Try:
  curl -i -X POST ${gateway}/process-payment \\
    -H 'Authorization: Bearer test_key_alice' -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(date +%s%N)" \\
    -d '{"amount": 2500, "currency": "usd", "description": "first payment"}'
  curl -s ${gateway}/accounts/me -H 'Authorization: Bearer test_key_alice'

The response's traceresponse header and trace_id name its trace:
  npm run trace -- <trace_id>                            # the trace as a waterfall in this terminal
  curl -s ${pipeline.jaegerUrl}/api/traces/<trace_id>    # the trace as JSON
`);
  // A service that dies takes the stack down with it, loudly, rather than leaving half a stack.
  for (const proc of [stripeMock, pipeline.jaeger, pipeline.collector, ...services.processes.values()]) {
    void proc.exited.then((code) => {
      if (!stopping) {
        say(`${proc.name} exited (code ${code}); stopping the stack`);
        void stopAll(1);
      }
    });
  }
} catch (err) {
  say(`failed to start: ${(err as Error).message}`);
  await stopAll(1);
}
