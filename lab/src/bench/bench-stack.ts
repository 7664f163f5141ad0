/** The private stack a benchmark runs on (startBenchStack): Postgres, stripe-mock, Collector, Jaeger on free ports. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GENERATOR, loadGenerator, type LoadGenerator } from '../load/generator.js';
import { freeStackPorts, ROOT, resetData, SERVICES, type RunningServices, type ServiceName, startStack } from '@paytrace/devstack';

export interface BenchServicesOptions {
  /** The services' environment on top of LOG_LEVEL=warn and the pipeline's OTLP endpoint. */
  env: Record<string, string>;
  /** Node.js flags for a service (--cpu-prof, --trace-deopt). */
  nodeArgs?: (service: ServiceName) => string[];
  onLine?: (service: ServiceName, line: string) => void;
}

export interface BenchStack {
  /** What drives the load: the project's pinned Vegeta. */
  generator: LoadGenerator;
  /** A scratch folder for the load's files (.data/<name>-tmp). */
  tmp: string;
  /** The stack's Postgres, for a benchmark that queries it without the services. */
  databaseUrl: string;
  /** The stack's Collector (OTLP/HTTP), for a benchmark's own instrumented process. */
  otlpEndpoint: string;
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
  const generator = loadGenerator(DEFAULT_GENERATOR);
  const tmp = join(ROOT, '.data', `${name}-tmp`);
  mkdirSync(tmp, { recursive: true });
  const stack = await startStack({ ports: await freeStackPorts(), postgres: { dataDir: join(ROOT, '.data', `${name}-postgres`), fresh: true } });
  return {
    generator,
    tmp,
    databaseUrl: stack.databaseUrl,
    otlpEndpoint: stack.pipeline!.otlpEndpoint,
    async startServices({ env, nodeArgs, onLine }) {
      await resetData(stack.databaseUrl);
      return stack.startServices({
        env: { LOG_LEVEL: 'warn', ...env },
        ...(nodeArgs ? { nodeArgsFor: Object.fromEntries(SERVICES.map((s) => [s, nodeArgs(s)])) } : {}),
        onLine: onLine ?? (() => undefined),
      });
    },
    stop: () => stack.stop(),
  };
}
