import { join } from 'node:path';
import { startPostgres } from '../lib/postgres.js';
import { freePort } from '../lib/processes.js';
import { resetData } from '../lib/reset-data.js';
import { SERVICES, startServices, type RunningServices, type ServiceName } from '../lib/services.js';
import { ROOT } from '../lib/stack-settings.js';
import { freeTelemetryPorts, startTelemetryPipeline } from '../lib/telemetry-pipeline.js';
import { ensureTool, startStripeMock } from '../lib/tools.js';

export interface BenchServicesOptions {
  /** The services' environment on top of LOG_LEVEL=warn and the pipeline's OTLP endpoint. */
  env: Record<string, string>;
  /** Node.js flags for a service (--cpu-prof, --trace-deopt). */
  nodeArgs?: (service: ServiceName) => string[];
  onLine?: (service: ServiceName, line: string) => void;
}

export interface BenchStack {
  k6: string;
  /** Fresh service processes on fresh data, against the stack's Postgres, stripe-mock and Collector. */
  startServices(options: BenchServicesOptions): Promise<RunningServices>;
  stop(): Promise<void>;
}

/**
 * The private stack a benchmark runs its configurations on: its own Postgres (data in
 * .data/<name>-postgres, reset), stripe-mock, Collector and Jaeger on free ports, so it never
 * touches a running `npm run stack`.
 */
export async function startBenchStack(name: string): Promise<BenchStack> {
  const k6 = ensureTool('k6');
  const postgres = await startPostgres({ dataDir: join(ROOT, '.data', `${name}-postgres`), port: await freePort(), reset: true, log: () => undefined });
  const stripePort = await freePort();
  const stripe = await startStripeMock({ port: stripePort });
  const pipeline = await startTelemetryPipeline({ ports: await freeTelemetryPorts(), onLine: () => undefined });
  return {
    k6,
    async startServices({ env, nodeArgs, onLine }) {
      await resetData(postgres.url);
      const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
      return startServices({
        ports,
        databaseUrl: postgres.url,
        stripeApiBase: `http://127.0.0.1:${stripePort}`,
        env: { LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint, ...env },
        ...(nodeArgs ? { nodeArgsFor: Object.fromEntries(SERVICES.map((s) => [s, nodeArgs(s)])) } : {}),
        onLine: onLine ?? (() => undefined),
      });
    },
    async stop() {
      await pipeline.stop();
      await stripe.stop();
      await postgres.stop();
    },
  };
}
