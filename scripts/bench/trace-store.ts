/**
 * `npm run bench:trace-store`: what Jaeger's trace store costs, per way of running it, at a fixed
 * payment rate: Jaeger's CPU per payment and per span, its CPU at rest after the load, the
 * payments' latency, and the store's size on disk and in memory. Variants run alternating
 * (A B C A B C …) on one private stack, each on its own Collector + Jaeger whose store is kept
 * across its rounds, so later rounds show a fuller store. Meanwhile a reader searches the last
 * minute's payments (`--reads` a second, as the web UI's list does), since reads cost too.
 *
 *   npm run bench:trace-store                                  # the variants of TRACE_STORE_VARIANTS
 *   npm run bench:trace-store -- --rate 30 --duration 20 --rounds 3
 *   npm run bench:trace-store -- --variant memstore --variant badger --duration 600 --slice 60 --rounds 1
 *   npm run bench:trace-store -- --variant big:JAEGER_TRACE_STORAGE=memstore,JAEGER_MAX_TRACES=100000
 */
import { parseArgs } from 'node:util';
import { parseNamedAssignments, positiveInteger, positiveNumber, runCli, UsageError } from '@paytrace/devstack';
import { runTraceStoreBench, traceStoreReport, TRACE_STORE_VARIANTS } from '@paytrace/lab/bench';

const USAGE =
  'usage: npm run bench:trace-store -- [--variant name | name:KEY=value,… …] [--rate 30 --duration 20 --slice 10 --rounds 3 --idle-after 20 --idle 10 --reads 1]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      variant: { type: 'string', multiple: true, default: [] },
      rate: { type: 'string', default: '30' },
      duration: { type: 'string', default: '20' },
      slice: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      'idle-after': { type: 'string', default: '20' },
      idle: { type: 'string', default: '10' },
      reads: { type: 'string', default: '1' },
    },
  });
  const variants =
    args.variant.length === 0
      ? TRACE_STORE_VARIANTS
      : args.variant.map((spec) => {
          const known = TRACE_STORE_VARIANTS.find((v) => v.name === spec);
          if (known) return known;
          if (!spec.includes(':')) {
            throw new UsageError(`unknown variant ${spec}: one of ${TRACE_STORE_VARIANTS.map((v) => v.name).join(', ')}, or name:KEY=value,…`);
          }
          const { name, env } = parseNamedAssignments(spec);
          return {
            name,
            about: Object.entries(env)
              .map(([k, v]) => `${k}=${v}`)
              .join(', '),
            env,
          };
        });
  const options = {
    variants,
    rate: positiveNumber('rate', args.rate),
    durationS: positiveNumber('duration', args.duration),
    sliceS: positiveNumber('slice', args.slice),
    rounds: positiveInteger('rounds', args.rounds),
    idleAfterS: positiveNumber('idle-after', args['idle-after'], { allowZero: true }),
    idleS: positiveNumber('idle', args.idle),
    readsPerS: positiveNumber('reads', args.reads, { allowZero: true }),
  };
  const results = await runTraceStoreBench(options, (line) => console.error(line));
  console.log(traceStoreReport(results, options).join('\n'));
});
