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
import { parseArgs } from 'node:util';
import { parseNamedAssignments, positiveInteger, positiveNumber, runCli, UsageError } from '@paytrace/devstack';
import { runSteadyState, steadyStateReport } from '@paytrace/lab/bench';

const USAGE = 'usage: npm run bench:steady-state -- --config name:KEY=value … [--rate 150 --duration 90 --slice 10 --rounds 2 --no-deopts]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    allowNegative: true,
    options: {
      config: { type: 'string', multiple: true, default: [] },
      rate: { type: 'string', default: '150' },
      duration: { type: 'string', default: '90' },
      slice: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      deopts: { type: 'boolean', default: true },
    },
  });
  if (args.config.length === 0) throw new UsageError('at least one --config');
  const options = {
    configs: args.config.map((spec) => {
      const { name, env } = parseNamedAssignments(spec);
      return { name, env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', ...env } };
    }),
    rate: positiveNumber('rate', args.rate),
    durationS: positiveNumber('duration', args.duration),
    sliceS: positiveNumber('slice', args.slice),
    rounds: positiveInteger('rounds', args.rounds),
    deopts: args.deopts,
  };
  const results = await runSteadyState(options, (line) => console.error(line));
  console.log(steadyStateReport(results, options).join('\n'));
});
