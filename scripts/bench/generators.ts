/**
 * `npm run bench:generators`: what each load generator costs in CPU per request, since it shares
 * the machine's cores with the stack it measures. Vegeta (the project's), the project's undici
 * client (openLoad, in a Node.js process of its own) and, when a `k6` is on the PATH, k6 send the
 * same traffic mix (loadtest/traffic-mix.js) at the same fixed rate to one private stack,
 * interleaved over rounds. CPU comes from /proc: the whole process (what the sampling lab counts)
 * and only while it was sending (start-up left out).
 *
 *   npm run bench:generators                                  # 40 req/s, 30 s, 3 rounds
 *   npm run bench:generators -- --generators vegeta,k6 --rate 100 --duration 20 --rounds 2
 */
import { parseArgs } from 'node:util';
import { findOnPath } from '@paytrace/lab/load';
import { positiveInteger, positiveNumber, runCli, UsageError } from '@paytrace/devstack';
import { CANDIDATES, generatorsReport, runGeneratorsBench, type Candidate } from '@paytrace/lab/bench';

const USAGE = 'usage: npm run bench:generators -- [--generators vegeta,undici,k6] [--rate 40] [--duration 30] [--rounds 3] [--warmup 10]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      generators: { type: 'string' },
      rate: { type: 'string', default: '40' },
      duration: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '10' },
    },
  });
  const k6 = findOnPath('k6');
  const candidates = (args.generators?.split(',').map((c) => c.trim()) ?? CANDIDATES.filter((c) => c !== 'k6' || k6)) as Candidate[];
  for (const c of candidates) {
    if (!CANDIDATES.includes(c)) throw new UsageError(`--generators: "${c}" is not one of ${CANDIDATES.join(', ')}`);
  }
  if (!candidates.includes('vegeta')) throw new UsageError('--generators must include vegeta: the others are compared with it');
  if (candidates.includes('k6') && !k6) throw new UsageError('--generators k6: no k6 on the PATH (paytrace installs none; see loadtest/README.md)');
  const options = {
    candidates,
    rate: positiveNumber('rate', args.rate),
    durationS: positiveNumber('duration', args.duration),
    rounds: positiveInteger('rounds', args.rounds),
    warmupS: positiveNumber('warmup', args.warmup, { allowZero: true }),
  };
  const runs = await runGeneratorsBench(options, (line) => console.error(line));
  console.log(generatorsReport(runs, options).join('\n'));
});
