/** bench:startup as a function: a service's time from process start to /healthz, per SDK variant, interleaved, and its report. */
import { join } from 'node:path';
import { median } from '@paytrace/trace-analysis';
import { freePort, ROOT, startPostgres, startProcess, waitForHttp, resetData, serverEntry, type ServiceName } from '@paytrace/devstack';

export interface StartupOptions {
  service: ServiceName;
  rounds: number;
}

/** The variants compared: the SDK off, paytrace's instrumentations, every default one. */
export const STARTUP_VARIANTS: Array<{ name: string; env: NodeJS.ProcessEnv }> = [
  { name: 'SDK disabled', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'paytrace set (http, undici, pg + @fastify/otel)', env: {} },
  // An empty list means "every instrumentation enabled by default" to auto-instrumentations-node.
  { name: 'all default auto-instrumentations', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: '' } },
];

/**
 * How long a service takes from process start to answering /healthz, per variant, interleaved
 * (A B C A B C …) so drift of a shared machine hits all alike. Milliseconds per variant.
 */
export async function runStartupBench(options: StartupOptions, progress: (line: string) => void = () => undefined): Promise<Map<string, number[]>> {
  const postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'bench-postgres'), port: await freePort(), reset: true, log: () => undefined });
  const samples = new Map<string, number[]>(STARTUP_VARIANTS.map((v) => [v.name, []]));
  try {
    await resetData(postgres.url);
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of STARTUP_VARIANTS) {
        const port = await freePort();
        const started = performance.now();
        const proc = startProcess({
          name: options.service,
          command: process.execPath,
          args: ['--import', '@paytrace/services/telemetry', serverEntry(options.service)],
          env: { ...process.env, PORT: String(port), DATABASE_URL: postgres.url, OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'warn', ...variant.env },
          cwd: ROOT,
          onLine: () => undefined,
        });
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, { process: proc, timeoutMs: 30_000 });
        samples.get(variant.name)!.push(performance.now() - started);
        await proc.stop();
      }
      progress(`round ${round}/${options.rounds}`);
    }
  } finally {
    await postgres.stop();
  }
  return samples;
}

/** Medians, extremes and the ratio of each median to the SDK-off one. */
export function startupReport(samples: Map<string, number[]>, options: StartupOptions): string[] {
  const base = median(samples.get(STARTUP_VARIANTS[0]!.name)!);
  const lines = [
    `${options.service}: process start → /healthz answers, median of ${options.rounds} interleaved rounds`,
    '',
    '| variant | median | min | max | ratio to SDK disabled |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, xs] of samples) {
    lines.push(
      `| ${name} | ${median(xs).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms | ${(median(xs) / base).toFixed(2)} |`,
    );
  }
  return lines;
}
