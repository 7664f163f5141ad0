/** The sampling lab's command-line options (parseLabArgs), validated, with their defaults and usage text. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveInteger, positiveNumber, ROOT } from '@paytrace/devstack';
import { DEFAULT_GENERATOR, parseGeneratorName } from '../load/generator.js';
import type { GeneratorName } from '../load/load-result.js';

/**
 * The lab's rate when none is named: its own, not the load test's DEFAULT_RATE, since each lab
 * configuration runs on fresh services after a warm-up, and a 1% sample needs traffic to say
 * anything.
 */
export const LAB_DEFAULT_RATE = 50;

/** Everything a lab run needs to know, validated. */
export interface LabOptions {
  /** `--quick`: one short round (npm test runs it); it also picks the defaults below. */
  quick: boolean;
  rounds: number;
  /** Arrival rate (req/s); undefined with maxThroughput: half the baseline's max rate. */
  rate: number | undefined;
  durationS: number;
  warmupS: number;
  p99ObjectiveMs: number;
  /** First find each configuration's max rate with p99 under the objective. */
  maxThroughput: boolean;
  /** The max-throughput ladder's first rate (req/s); start near the answer to save time. */
  ladderFromRps: number;
  /** Configuration ids (`--only`); undefined: all. */
  only: string[] | undefined;
  /** `name[@configuration]:KEY=value[,KEY=value]`, each a configuration of its own. */
  variants: string[];
  /** Which program drives the load: vegeta (the project's, pinned) or k6 (the user's own, on the PATH). */
  generator: GeneratorName;
  /** Where sampling-lab.json, sampling-lab.svg and each run's load figures (load/) go. */
  outDir: string;
  /** The services' metric export interval (s): 10 as in the stack; --quick 1. */
  metricsIntervalS: number;
  /** The Collector's span-metric flush interval (s): 2 (the stack's is 10; the lab waits one after each run); --quick 1. */
  spanMetricsFlushS: number;
}

export const LAB_USAGE = `usage: npm run sampling-lab -- [--quick] [--rounds N] [--rate RPS] [--duration S] [--warmup S]
                            [--max-throughput [--ladder-from RPS]] [--p99-objective-ms MS]
                            [--only id,id] [--variant name[@id]:KEY=value[,KEY=value]]... [--out DIR]
                            [--metrics-interval S] [--spanmetrics-flush S]
                            [--generator vegeta|k6]   (k6: your own, on the PATH; paytrace installs none)`;

/** The lab's options from its command line (a UsageError for a bad flag). */
export function parseLabArgs(argv: string[]): LabOptions {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'max-throughput': { type: 'boolean', default: false },
      rounds: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'p99-objective-ms': { type: 'string', default: '250' },
      'ladder-from': { type: 'string', default: '25' },
      only: { type: 'string' },
      variant: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(ROOT, 'loadtest', 'results') },
      generator: { type: 'string', default: DEFAULT_GENERATOR },
      'metrics-interval': { type: 'string' },
      'spanmetrics-flush': { type: 'string' },
    },
  });
  const quick = args.quick;
  const maxThroughput = args['max-throughput'];
  return {
    quick,
    rounds: positiveInteger('rounds', args.rounds ?? (quick ? '1' : '3')),
    // With --max-throughput and no --rate, the rounds run at half the baseline's max rate (found first).
    rate: args.rate !== undefined ? positiveNumber('rate', args.rate) : maxThroughput ? undefined : quick ? 20 : LAB_DEFAULT_RATE,
    durationS: positiveNumber('duration', args.duration ?? (quick ? '6' : '30')),
    // 30 s: V8 is still optimising for about 20 s at these rates, and the first sampled requests
    // throw optimised code away (npm run bench:steady-state); a shorter warm-up measured that.
    warmupS: positiveNumber('warmup', args.warmup ?? (quick ? '2' : '30'), { allowZero: true }),
    p99ObjectiveMs: positiveNumber('p99-objective-ms', args['p99-objective-ms']),
    maxThroughput,
    ladderFromRps: positiveNumber('ladder-from', args['ladder-from']),
    only: args.only?.split(',').map((id) => id.trim()),
    variants: args.variant,
    generator: parseGeneratorName(args.generator),
    outDir: resolve(args.out),
    // The SDK's export interval is part of what metrics cost the services, so the lab keeps the
    // stack's 10 s; the span-metric flush costs the Collector next to nothing, and a short one
    // saves a wait after every run (metric-estimates.ts, settleMs).
    metricsIntervalS: positiveNumber('metrics-interval', args['metrics-interval'] ?? (quick ? '1' : '10')),
    spanMetricsFlushS: positiveNumber('spanmetrics-flush', args['spanmetrics-flush'] ?? (quick ? '1' : '2')),
  };
}
