/**
 * `npm run bench:steady-state`: how the services' CPU per payment evolves over a long run, per
 * configuration, and how often V8 throws optimised code away meanwhile. The sampling lab measures a
 * short window after a short warm-up; this shows whether a difference between configurations is a
 * steady cost or a JIT warm-up that one configuration finishes and another does not.
 *
 * Configurations run one after another, alternating (A B A B …), on one private stack (Postgres,
 * stripe-mock, Collector, Jaeger); each gets fresh service processes. Every slice (10 s by
 * default), it reads the four services' CPU from /proc and counts the deoptimisations V8 reported
 * (`--trace-deopt`, one line per bailout) in that slice.
 *
 *   npm run bench:steady-state -- --config ratio-0:OTEL_TRACES_SAMPLER_ARG=0 --config ratio-0.01:OTEL_TRACES_SAMPLER_ARG=0.01
 *   npm run bench:steady-state -- --rate 150 --duration 90 --slice 10 --rounds 2 --config …
 *
 * A configuration is name:KEY=value[,KEY=value] (the services' environment); the sampler is
 * parentbased_traceidratio unless a configuration sets OTEL_TRACES_SAMPLER.
 */
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startBenchStack } from './bench-stack.js';
import { parseNamedAssignments } from '../lib/env-assignments.js';
import { processTreeCpuSeconds } from '../lib/measure.js';
import { SERVICES } from '../lib/services.js';
import { ROOT } from '../lib/stack-settings.js';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string', multiple: true, default: [] },
    rate: { type: 'string', default: '150' },
    duration: { type: 'string', default: '90' },
    slice: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    deopts: { type: 'boolean', default: true },
  },
});
const rate = Number(args.rate);
const durationS = Number(args.duration);
const sliceS = Number(args.slice);
const rounds = Number(args.rounds);
const configs = args.config!.map((spec) => {
  const { name, env } = parseNamedAssignments(spec);
  return { name, env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', ...env } as Record<string, string> };
});
if (configs.length === 0 || ![rate, durationS, sliceS, rounds].every((n) => Number.isFinite(n) && n > 0)) {
  throw new Error('usage: npm run bench:steady-state -- --config name:KEY=value … [--rate 150 --duration 90 --slice 10 --rounds 2]');
}

const stack = await startBenchStack('steady-state');
interface Slice {
  cpuMsPerPayment: number;
  /** The part of it spent in the kernel. */
  kernelMsPerPayment: number;
  deopts: number;
}
/** Per slice: results[config][round][slice]. */
const results = new Map<string, Slice[][]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const config of configs) {
      let deopts = 0;
      const services = await stack.startServices({
        env: config.env,
        ...(args.deopts ? { nodeArgs: () => ['--trace-deopt'] } : {}),
        onLine: (_service, line) => {
          if (line.includes('bailout (kind:')) deopts++;
        },
      });
      try {
        const pids = SERVICES.map((s) => services.processes.get(s)!.child.pid!);
        const cpu = () => pids.reduce((sum, pid) => sum + processTreeCpuSeconds(pid), 0);
        const kernel = () => pids.reduce((sum, pid) => sum + processTreeCpuSeconds(pid, 'system'), 0);
        const load = spawn(stack.k6, ['run', '--quiet', '--no-usage-report', '-e', `PAYTRACE_URL=${services.urls.gateway}`, '-e', `RATE=${rate}`, '-e', `DURATION=${durationS}s`, join(ROOT, 'loadtest', 'payments.js')], { stdio: 'ignore' });
        const done = new Promise((resolve) => load.once('exit', resolve));
        const slices: Slice[] = [];
        let [cpuBefore, kernelBefore, deoptsBefore] = [cpu(), kernel(), deopts];
        for (let t = sliceS; t <= durationS; t += sliceS) {
          await new Promise((r) => setTimeout(r, sliceS * 1000));
          const [cpuNow, kernelNow, deoptsNow] = [cpu(), kernel(), deopts];
          const perPayment = (seconds: number) => (seconds * 1000) / (rate * sliceS);
          slices.push({ cpuMsPerPayment: perPayment(cpuNow - cpuBefore), kernelMsPerPayment: perPayment(kernelNow - kernelBefore), deopts: deoptsNow - deoptsBefore });
          [cpuBefore, kernelBefore, deoptsBefore] = [cpuNow, kernelNow, deoptsNow];
        }
        await done;
        if (!results.has(config.name)) results.set(config.name, []);
        results.get(config.name)!.push(slices);
        console.error(`round ${round + 1} ${config.name}: ${slices.map((s) => s.cpuMsPerPayment.toFixed(2)).join(' ')} ms/payment (kernel ${slices.map((s) => s.kernelMsPerPayment.toFixed(2)).join(' ')}); deopts ${slices.map((s) => s.deopts).join(' ')}`);
      } finally {
        await services.stop();
      }
    }
  }
} finally {
  await stack.stop();
}

const sliceCount = Math.floor(durationS / sliceS);
const header = Array.from({ length: sliceCount }, (_, i) => `${i * sliceS}–${(i + 1) * sliceS} s`);
console.log(`\nServices' CPU ms per payment (mean of ${rounds} rounds) per ${sliceS} s slice at ${rate} req/s; [kernel part], (V8 deopts)\n`);
console.log(`| configuration | ${header.join(' | ')} |\n| --- | ${header.map(() => '---:').join(' | ')} |`);
for (const config of configs) {
  const runs = results.get(config.name) ?? [];
  const cells = header.map((_, i) => {
    const mean = (pick: (s: Slice) => number) => runs.reduce((sum, r) => sum + pick(r[i]!), 0) / runs.length;
    return `${mean((s) => s.cpuMsPerPayment).toFixed(2)} [${mean((s) => s.kernelMsPerPayment).toFixed(2)}] (${mean((s) => s.deopts).toFixed(0)})`;
  });
  console.log(`| ${config.name} | ${cells.join(' | ')} |`);
}
