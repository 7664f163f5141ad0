/** bench:steady-state as a function: the services' CPU per payment over a long run, slice by slice, V8's deopts, its report. */
import { setTimeout as sleep } from 'node:timers/promises';
import { processTreeCpuSeconds, SERVICES } from '@paytrace/devstack';
import { runLoad } from '../load/generator.js';
import { startBenchStack } from './bench-stack.js';

export interface SteadyStateOptions {
  /** The services' environment per configuration. */
  configs: Array<{ name: string; env: Record<string, string> }>;
  rate: number;
  durationS: number;
  sliceS: number;
  rounds: number;
  /** Count V8's deoptimisations (--trace-deopt). */
  deopts: boolean;
}

/** One slice of one run. */
export interface Slice {
  cpuMsPerPayment: number;
  /** The part of it spent in the kernel. */
  kernelMsPerPayment: number;
  deopts: number;
}
/**
 * Runs each configuration `rounds` times, alternating, on one private stack; returns per
 * configuration, per round, its slices.
 */
export async function runSteadyState(
  options: SteadyStateOptions,
  progress: (line: string) => void = () => undefined,
): Promise<Map<string, Slice[][]>> {
  const { configs, rate, durationS, sliceS, rounds } = options;
  const results = new Map<string, Slice[][]>();
  const stack = await startBenchStack('steady-state');
  try {
    for (let round = 0; round < rounds; round++) {
      for (const config of configs) {
        let deopts = 0;
        const services = await stack.startServices({
          env: config.env,
          ...(options.deopts ? { nodeArgs: () => ['--trace-deopt'] } : {}),
          onLine: (_service, line) => {
            if (line.includes('bailout (kind:')) deopts++;
          },
        });
        try {
          const pids = SERVICES.map((s) => services.processes.get(s)!.pid);
          const cpu = () => pids.reduce((sum, pid) => sum + processTreeCpuSeconds(pid), 0);
          const kernel = () => pids.reduce((sum, pid) => sum + processTreeCpuSeconds(pid, 'system'), 0);
          const done = runLoad(stack.generator, { gatewayUrl: services.urls.gateway, rate, seconds: durationS, workDir: stack.tmp, name: 'load' });
          const slices: Slice[] = [];
          let [cpuBefore, kernelBefore, deoptsBefore] = [cpu(), kernel(), deopts];
          for (let t = sliceS; t <= durationS; t += sliceS) {
            await sleep(sliceS * 1000);
            const [cpuNow, kernelNow, deoptsNow] = [cpu(), kernel(), deopts];
            const perPayment = (seconds: number) => (seconds * 1000) / (rate * sliceS);
            slices.push({
              cpuMsPerPayment: perPayment(cpuNow - cpuBefore),
              kernelMsPerPayment: perPayment(kernelNow - kernelBefore),
              deopts: deoptsNow - deoptsBefore,
            });
            [cpuBefore, kernelBefore, deoptsBefore] = [cpuNow, kernelNow, deoptsNow];
          }
          await done;
          if (!results.has(config.name)) results.set(config.name, []);
          results.get(config.name)!.push(slices);
          progress(
            `round ${round + 1} ${config.name}: ${slices.map((s) => s.cpuMsPerPayment.toFixed(2)).join(' ')} ms/payment (kernel ${slices.map((s) => s.kernelMsPerPayment.toFixed(2)).join(' ')}); deopts ${slices.map((s) => s.deopts).join(' ')}`,
          );
        } finally {
          await services.stop();
        }
      }
    }
  } finally {
    await stack.stop();
  }
  return results;
}

/** The table: CPU ms per payment per slice, mean over rounds, [kernel part] and (V8 deopts). */
export function steadyStateReport(results: Map<string, Slice[][]>, options: SteadyStateOptions): string[] {
  const { configs, rate, durationS, sliceS, rounds } = options;
  const lines: string[] = [];
  const sliceCount = Math.floor(durationS / sliceS);
  const header = Array.from({ length: sliceCount }, (_, i) => `${i * sliceS}–${(i + 1) * sliceS} s`);
  lines.push(`\nServices' CPU ms per payment (mean of ${rounds} rounds) per ${sliceS} s slice at ${rate} req/s; [kernel part], (V8 deopts)\n`);
  lines.push(`| configuration | ${header.join(' | ')} |\n| --- | ${header.map(() => '---:').join(' | ')} |`);
  for (const config of configs) {
    const runs = results.get(config.name) ?? [];
    const cells = header.map((_, i) => {
      const mean = (pick: (s: Slice) => number) => runs.reduce((sum, r) => sum + pick(r[i]!), 0) / runs.length;
      return `${mean((s) => s.cpuMsPerPayment).toFixed(2)} [${mean((s) => s.kernelMsPerPayment).toFixed(2)}] (${mean((s) => s.deopts).toFixed(0)})`;
    });
    lines.push(`| ${config.name} | ${cells.join(' | ')} |`);
  }
  return lines;
}
