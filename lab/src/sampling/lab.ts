/** The sampling lab: every configuration measured, interleaved over rounds, on one private stack; the result the reports are made from. */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadGenerator } from '../load/generator.js';
import type { LabMeta } from '@paytrace/loadtest/sampling-lab-json';
import { freeStackPorts, ROOT, startStack } from '@paytrace/devstack';
import { selectConfigs } from './configs.js';
import { maxThroughputs } from './max-throughput.js';
import type { LabOptions } from './options.js';
import { measureOnce, type LabEnv, type RunResult } from './measure.js';
import { summarise, type ConfigSummary } from './summary.js';
import { checkTargets, type Target } from './targets.js';
import { metricsCost } from './metrics-report.js';
import type { MetricsCost } from '@paytrace/loadtest/sampling-lab-json';

/** How the run was made, as written into sampling-lab.json. */
export type { LabMeta };

export interface LabResult {
  meta: LabMeta;
  configurations: ConfigSummary[];
  targets: Target[];
  /** A configuration against its --variant without SDK metrics (OTEL_METRICS_EXPORTER=none); empty without such a variant. */
  metricsCost: MetricsCost[];
  runs: RunResult[];
}

/**
 * The sampling lab: for each configuration (SDK off; parentbased_traceidratio at 0, 0.01, 0.1, 1;
 * tail sampling in the Collector), fresh services, Collector and Jaeger with that setting, a
 * warm-up, then the same load at the same arrival rate (loadtest/traffic-mix.js, sent by Vegeta,
 * or by the user's own k6 with --generator k6). Configurations are interleaved (A B C … A B C …) and
 * repeated so machine drift hits all alike; figures are medians over rounds. It runs on a private
 * stack (its own Postgres and stripe-mock on free ports), never on `npm run stack`'s.
 */
export async function runLab(options: LabOptions, progress: (message: string) => void = () => undefined): Promise<LabResult> {
  const configs = selectConfigs({ only: options.only, variants: options.variants });
  // First, so that a k6 missing from the PATH is a usage error before anything starts.
  const generator = loadGenerator(options.generator);
  const tmp = join(options.outDir, 'load');
  mkdirSync(tmp, { recursive: true });
  const stack = await startStack({
    ports: await freeStackPorts(),
    postgres: { dataDir: join(ROOT, '.data', 'lab-postgres'), fresh: true },
    resetData: true,
    telemetry: false,
  });
  try {
    const env: LabEnv = {
      stack,
      generator,
      tmp,
      warmupS: options.warmupS,
      p99ObjectiveMs: options.p99ObjectiveMs,
      metricExportIntervalMs: options.metricsIntervalS * 1000,
      spanMetricsFlushS: options.spanMetricsFlushS,
    };
    const maxRps = options.maxThroughput ? await maxThroughputs(configs, env, { ...options, progress }) : new Map<string, number>();
    if (maxRps.size > 0) progress(`max throughput (req/s): ${configs.map((c) => `${c.id} ${maxRps.get(c.id)}`).join(', ')}`);
    // The targets compare latency at half the baseline's max rate: loaded, not saturated.
    const rate = options.rate ?? Math.max(1, Math.floor((maxRps.get('sdk-off') ?? 2) / 2));

    const runs = new Map<string, RunResult[]>(configs.map((c) => [c.id, []]));
    // + the waits for metrics to reach Prometheus before and after each window (metric-estimates.ts).
    const perRunS =
      options.warmupS + options.durationS + 8 + Math.max(options.metricsIntervalS, 5 + options.spanMetricsFlushS) + options.spanMetricsFlushS + 3;
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, config] of configs.entries()) {
        const leftS = ((options.rounds - round) * configs.length + (configs.length - i)) * perRunS;
        progress(
          `round ${round}/${options.rounds}, ${config.label} (${rate} req/s for ${options.durationS} s), about ${Math.ceil(leftS / 60)} min left`,
        );
        runs.get(config.id)!.push(await measureOnce(config, round, rate, options.durationS, env));
      }
    }
    const configurations: ConfigSummary[] = [];
    for (const config of configs) {
      const summary = summarise(config, runs.get(config.id)!, configurations[0]);
      const max = maxRps.get(config.id);
      if (max !== undefined) summary.max_throughput_rps = max;
      configurations.push(summary);
    }
    const meta: LabMeta = {
      rate,
      durationS: options.durationS,
      warmupS: options.warmupS,
      rounds: options.rounds,
      quick: options.quick,
      p99ObjectiveMs: options.p99ObjectiveMs,
      generator: generator.name,
      created: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
    };
    const targets = checkTargets(configurations, maxRps.size > 0 && options.rate === undefined);
    return { meta, configurations, targets, metricsCost: metricsCost(configurations), runs: [...runs.values()].flat() };
  } finally {
    await stack.stop();
  }
}
