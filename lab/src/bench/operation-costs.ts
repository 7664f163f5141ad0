/**
 * bench:operations as a function: what each instrumented operation of a payment costs, in CPU µs
 * and bytes allocated, with the SDK off, at ratio 0 and at 100%, configurations interleaved; and
 * its report.
 *
 * Each configuration runs in processes of its own (an SDK is process-wide: it patches modules as
 * they load), started under the services' telemetry bootstrap exactly as a service is; each
 * round starts one process per configuration, the first configuration rotating, so that a machine
 * getting busier or quieter during the run weighs on every configuration alike. The figures are
 * medians over rounds.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { execa } from 'execa';
import { resetData, ROOT } from '@paytrace/devstack';
import { startBenchStack } from './bench-stack.js';
import type { WorkerResult } from './operation-cost-worker.js';
import { medianFigures, type OperationFigures } from './operation-figures.js';
import type { OperationName } from './operation-cost-operations.js';

export interface OperationCostConfig {
  name: string;
  env: Record<string, string>;
}

/** SDK off, nothing recorded, everything recorded: the issue's three points. */
export const DEFAULT_OPERATION_CONFIGS: OperationCostConfig[] = [
  { name: 'sdk-off', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'ratio-0', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' } },
  { name: 'ratio-1', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' } },
];

/** How many of each operation one payment makes (the edge request, 4 hops behind it, Stripe, ~10 queries, 3 flag reads). */
export const OPERATIONS_PER_PAYMENT: Record<OperationName, number> = {
  'http-server-root': 1,
  'http-server-child': 4,
  'undici-call': 5,
  'pg-query': 10,
  'flag-evaluation': 3,
  'span-start-end': 0,
};

export interface OperationCostOptions {
  configs: OperationCostConfig[];
  rounds: number;
  /** Operations to measure (default: all). */
  operations?: OperationName[];
  /** Operations run before measuring, per operation and process (V8 warm-up). Default 3000. */
  warmup?: number;
  /** Operations per measured batch; each process measures `batches` of them and keeps the median. Defaults 2000 and 5. */
  batch?: number;
  batches?: number;
}

/** Per configuration, per round, each operation's figures. */
export type OperationCostRuns = Map<string, WorkerResult[]>;

const WORKER = fileURLToPath(new URL('./operation-cost-worker.ts', import.meta.url));

export async function runOperationCosts(
  options: OperationCostOptions,
  progress: (line: string) => void = () => undefined,
): Promise<OperationCostRuns> {
  const stack = await startBenchStack('operations');
  const runs: OperationCostRuns = new Map(options.configs.map((c) => [c.name, []]));
  try {
    await resetData(stack.databaseUrl);
    const n = options.configs.length;
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < n; i++) {
        const config = options.configs[(i + round) % n]!;
        const { stdout } = await execa(process.execPath, ['--import', '@paytrace/services/telemetry', '--import', 'tsx', WORKER], {
          cwd: ROOT,
          stdin: 'ignore',
          env: {
            LOG_LEVEL: 'warn',
            OTEL_SERVICE_NAME: 'bench-operations',
            OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpEndpoint,
            BENCH_DATABASE_URL: stack.databaseUrl,
            FLAGD_RESOLVER: 'in-process',
            FLAGD_OFFLINE_FLAG_SOURCE_PATH: join(ROOT, 'flags', 'paytrace.flagd.json'),
            ...(options.operations ? { BENCH_OPERATIONS: options.operations.join(',') } : {}),
            ...(options.warmup !== undefined ? { BENCH_WARMUP: String(options.warmup) } : {}),
            ...(options.batch !== undefined ? { BENCH_BATCH: String(options.batch) } : {}),
            ...(options.batches !== undefined ? { BENCH_BATCHES: String(options.batches) } : {}),
            ...config.env,
          },
        });
        const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as WorkerResult;
        runs.get(config.name)!.push(result);
        progress(
          `round ${round + 1}/${options.rounds} ${config.name}: ${Object.entries(result)
            .map(([op, f]) => `${op} ${f.cpuUs.toFixed(1)} µs`)
            .join(', ')}`,
        );
      }
    }
  } finally {
    await stack.stop();
  }
  return runs;
}

/** Each configuration's median figures per operation. */
export function operationMedians(runs: OperationCostRuns): Map<string, Map<string, OperationFigures>> {
  const medians = new Map<string, Map<string, OperationFigures>>();
  for (const [config, rounds] of runs) {
    const perOp = new Map<string, OperationFigures>();
    for (const op of Object.keys(rounds[0] ?? {})) perOp.set(op, medianFigures(rounds.map((r) => r[op]!).filter(Boolean)));
    medians.set(config, perOp);
  }
  return medians;
}

const fmt = (v: number, digits = 1) => v.toFixed(digits);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v))}`;

/**
 * The report: per operation and configuration, CPU µs (and what it adds to the first
 * configuration, the floor), bytes allocated, and Postgres's µs where it works; then what the
 * operations add up to per payment.
 */
export function operationCostReport(runs: OperationCostRuns, configs: OperationCostConfig[]): string {
  const medians = operationMedians(runs);
  const [floor, ...others] = configs.map((c) => c.name);
  const base = medians.get(floor!)!;
  const ops = [...base.keys()];
  const lines = [
    `| operation | ${configs.map((c) => `${c.name} µs`).join(' | ')} | ${others.map((c) => `${c} − ${floor}`).join(' | ')} | ${configs.map((c) => `${c.name} bytes`).join(' | ')} |`,
    `| --- |${' ---: |'.repeat(configs.length * 2 + others.length)}`,
  ];
  for (const op of ops) {
    const cell = (config: string) => medians.get(config)!.get(op)!;
    const pg = (config: string) => (cell(config).postgresCpuUs !== undefined ? ` (pg ${fmt(cell(config).postgresCpuUs!)})` : '');
    lines.push(
      `| ${op} | ${configs.map((c) => `${fmt(cell(c.name).cpuUs)}${pg(c.name)}`).join(' | ')} | ${others
        .map((c) => signed(cell(c).cpuUs - cell(floor!).cpuUs))
        .join(' | ')} | ${configs.map((c) => fmt(cell(c.name).allocatedBytes, 0)).join(' | ')} |`,
    );
  }
  const perPayment = (config: string) =>
    ops.reduce((sum, op) => sum + (OPERATIONS_PER_PAYMENT[op as OperationName] ?? 0) * medians.get(config)!.get(op)!.cpuUs, 0);
  const operationsPerPayment = ops.reduce((sum, op) => sum + (OPERATIONS_PER_PAYMENT[op as OperationName] ?? 0), 0);
  lines.push(
    '',
    `Per payment (${ops
      .filter((op) => OPERATIONS_PER_PAYMENT[op as OperationName])
      .map((op) => `${OPERATIONS_PER_PAYMENT[op as OperationName]} × ${op}`)
      .join(', ')}; ${operationsPerPayment} operations): ${configs
      .map((c) => `${c.name} ${fmt(perPayment(c.name) / 1000, 3)} ms`)
      .join(', ')}; ${others
      .map((c) => `${c} adds ${fmt((perPayment(c) - perPayment(floor!)) / operationsPerPayment)} µs per operation`)
      .join(', ')}.`,
  );
  return lines.join('\n');
}
