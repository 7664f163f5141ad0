/** bench:generators as a function: each load generator's CPU per request (Vegeta, k6, undici), in rounds, and its report. */
import { join } from 'node:path';
import { execa } from 'execa';
import { processTreeCpuSeconds, reapedChildrenCpuSeconds, ROOT, type RunningServices } from '@paytrace/devstack';
import { median } from '@paytrace/trace-analysis';
import { findOnPath, loadGenerator, runLoad } from '../load/generator.js';
import { startBenchStack } from './bench-stack.js';

/** The load generators compared: Vegeta (the project's), the user's k6, and openLoad (undici, in Node.js). */
export type Candidate = 'vegeta' | 'k6' | 'undici';
export const CANDIDATES: readonly Candidate[] = ['vegeta', 'k6', 'undici'];

export interface GeneratorsBenchOptions {
  candidates: Candidate[];
  rate: number;
  durationS: number;
  rounds: number;
  /** Load (Vegeta) before the first round, so the services' JIT has settled. */
  warmupS: number;
}

/** One generator's run: what it sent and the CPU it took. */
export interface GeneratorRun {
  candidate: Candidate;
  round: number;
  requests: number;
  /** The whole process (and its children): start-up, sending, and turning its results into figures. */
  cpuSeconds: number;
  /** Only while it sent, from 3 s after it started (start-up left out) to its last reading while sending. */
  sendingCpuSeconds: number;
  /** Requests due in that window at the fixed rate. */
  sendingRequests: number;
  p50Ms: number;
  errorRate: number;
}

/** Samples a process tree's CPU from /proc twice a second while it runs. */
function cpuSampler(): { onProcess: (pid: number) => void; stop: () => Array<{ atS: number; cpuS: number }> } {
  const samples: Array<{ atS: number; cpuS: number }> = [];
  let timer: NodeJS.Timeout | undefined;
  return {
    onProcess(pid) {
      const started = performance.now();
      timer = setInterval(() => {
        const cpuS = processTreeCpuSeconds(pid);
        if (cpuS > 0) samples.push({ atS: (performance.now() - started) / 1000, cpuS });
      }, 500);
    },
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

type Figures = { requests: number; p50: number; errorRate: number };

async function runCandidate(
  candidate: Candidate,
  gatewayUrl: string,
  options: GeneratorsBenchOptions,
  workDir: string,
  onProcess: (pid: number) => void,
): Promise<Figures> {
  const { rate, durationS: seconds } = options;
  if (candidate !== 'undici') {
    const generator = candidate === 'k6' ? { name: 'k6' as const, binary: findOnPath('k6')! } : loadGenerator('vegeta');
    return runLoad(generator, { gatewayUrl, rate, seconds, workDir, name: candidate, onProcess });
  }
  const child = execa(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'lab', 'src', 'bench', 'open-load-process.ts'),
      '--url',
      gatewayUrl,
      '--rate',
      String(rate),
      '--seconds',
      String(seconds),
    ],
    { cwd: ROOT, stdin: 'ignore' },
  );
  if (child.pid !== undefined) onProcess(child.pid);
  return JSON.parse((await child).stdout) as Figures;
}

/**
 * What each load generator costs in CPU per request, sending the same traffic mix at the same
 * fixed rate to one private stack; candidates interleaved, the first one rotating each round.
 */
export async function runGeneratorsBench(
  options: GeneratorsBenchOptions,
  progress: (line: string) => void = () => undefined,
): Promise<GeneratorRun[]> {
  const stack = await startBenchStack('generators');
  const runs: GeneratorRun[] = [];
  let services: RunningServices | undefined;
  try {
    // 1% sampled: every answer carries a traceresponse header, some of them sampled.
    services = await stack.startServices({ env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' } });
    const gatewayUrl = services.urls.gateway;
    if (options.warmupS > 0) {
      await runLoad(stack.generator, { gatewayUrl, rate: options.rate, seconds: options.warmupS, workDir: stack.tmp, name: 'warmup' });
    }
    for (let round = 1; round <= options.rounds; round++) {
      const n = options.candidates.length;
      for (let i = 0; i < n; i++) {
        const candidate = options.candidates[(i + round - 1) % n]!;
        const sampler = cpuSampler();
        const before = reapedChildrenCpuSeconds();
        const figures = await runCandidate(candidate, gatewayUrl, options, stack.tmp, sampler.onProcess);
        const cpuSeconds = reapedChildrenCpuSeconds() - before;
        const sending = sampler.stop().filter((s) => s.atS >= 3 && s.atS <= options.durationS);
        const [first, last] = [sending[0], sending.at(-1)];
        const run: GeneratorRun = {
          candidate,
          round,
          requests: figures.requests,
          cpuSeconds,
          sendingCpuSeconds: first && last ? last.cpuS - first.cpuS : NaN,
          sendingRequests: first && last ? (last.atS - first.atS) * options.rate : NaN,
          p50Ms: figures.p50,
          errorRate: figures.errorRate,
        };
        runs.push(run);
        progress(
          `round ${round} ${candidate}: ${run.requests} requests, ${((run.cpuSeconds * 1000) / run.requests).toFixed(3)} ms CPU per request (${((run.sendingCpuSeconds * 1000) / run.sendingRequests).toFixed(3)} while sending), p50 ${run.p50Ms.toFixed(1)} ms`,
        );
      }
    }
  } finally {
    await services?.stop();
    await stack.stop();
  }
  return runs;
}

/** The table: CPU ms per request per generator (medians over rounds), and each against Vegeta's. */
export function generatorsReport(runs: GeneratorRun[], options: GeneratorsBenchOptions): string[] {
  const perRequest = (c: Candidate, pick: (r: GeneratorRun) => number, count: (r: GeneratorRun) => number) =>
    median(runs.filter((r) => r.candidate === c).map((r) => (pick(r) * 1000) / count(r)));
  const whole = (c: Candidate) =>
    perRequest(
      c,
      (r) => r.cpuSeconds,
      (r) => r.requests,
    );
  const sending = (c: Candidate) =>
    perRequest(
      c,
      (r) => r.sendingCpuSeconds,
      (r) => r.sendingRequests,
    );
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = [
    `\nLoad generators' CPU per request: the traffic mix at ${options.rate} req/s for ${options.durationS} s, ${options.rounds} interleaved round(s), medians\n`,
    '| generator | requests | CPU ms per request, whole process (× vegeta) | while sending (× vegeta) | payments p50 ms | unexpected answers |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of options.candidates) {
    const mine = runs.filter((r) => r.candidate === c);
    lines.push(
      `| ${c} | ${median(mine.map((r) => r.requests))} | ${f(whole(c))} (${f(whole(c) / whole('vegeta'), 2)}) | ${f(sending(c))} (${f(sending(c) / sending('vegeta'), 2)}) | ${f(median(mine.map((r) => r.p50Ms)), 1)} | ${f(median(mine.map((r) => r.errorRate)) * 100, 2)}% |`,
    );
  }
  return lines;
}
