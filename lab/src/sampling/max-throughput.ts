/** The highest arrival rate each lab configuration sustains with its p99 objective met: a rising ladder, then bisection. */
import type { LabConfig } from './configs.js';
import { measureOnce, type LabEnv } from './measure.js';

export interface MaxThroughputOptions {
  quick: boolean;
  ladderFromRps: number;
  p99ObjectiveMs: number;
  progress: (message: string) => void;
}

/**
 * The highest arrival rate (req/s) each configuration sustains with the objective met: p99 under
 * the objective, every arrival sent on time, < 0.1% unexpected answers. A rising ladder (×1.6)
 * until a configuration fails, then bisection between its last good and first bad rate. Every step
 * runs all the configurations still searching one after the other, so drift hits them alike.
 */
export async function maxThroughputs(configs: LabConfig[], env: LabEnv, options: MaxThroughputOptions): Promise<Map<string, number>> {
  const seconds = options.quick ? 5 : 15;
  const holds = async (config: LabConfig, rate: number) => {
    options.progress(`max throughput: ${config.label} at ${rate} req/s`);
    const { load } = await measureOnce(config, 0, rate, seconds, env, { metrics: false });
    return load.p99 < options.p99ObjectiveMs && load.droppedIterations === 0 && load.errorRate < 0.001;
  };
  const good = new Map<string, number>(configs.map((c) => [c.id, 0]));
  const bad = new Map<string, number>();
  for (let rate = options.ladderFromRps; bad.size < configs.length && rate <= 5_000; rate = Math.round(rate * 1.6)) {
    for (const config of configs) {
      if (bad.has(config.id)) continue;
      if (await holds(config, rate)) good.set(config.id, rate);
      else bad.set(config.id, rate);
    }
  }
  for (let step = 0; step < (options.quick ? 1 : 3); step++) {
    for (const config of configs) {
      const lo = good.get(config.id)!;
      const hi = bad.get(config.id);
      if (hi === undefined) continue;
      const mid = Math.round((lo + hi) / 2);
      if (mid === lo || mid === hi) continue;
      if (await holds(config, mid)) good.set(config.id, mid);
      else bad.set(config.id, mid);
    }
  }
  return good;
}
