/**
 * `npm run bench:profile`: where the services' CPU goes under load, per package, for one or more
 * configurations side by side. It starts the whole stack privately (Postgres, stripe-mock,
 * Collector, Jaeger), and for each configuration in turn runs the four services under
 * `node --cpu-prof`, warms them up, sends the traffic mix at a fixed rate (Vegeta), stops them
 * (each writes its V8 profile on exit) and attributes every CPU sample taken while the load ran
 * (start-up, warm-up and shutdown left out) to the package that owns it: the innermost frame that
 * is not Node.js itself, so the `node:` internals a package calls count towards it.
 *
 *   npm run bench:profile                                  # the SDK on, sampling 100%
 *   npm run bench:profile -- --env OTEL_TRACES_SAMPLER_ARG=0 --env OTEL_TRACES_SAMPLER=parentbased_traceidratio
 *   npm run bench:profile -- --config off:OTEL_SDK_DISABLED=true --config ratio-0:OTEL_TRACES_SAMPLER_ARG=0 \
 *       --config ratio-0.01:OTEL_TRACES_SAMPLER_ARG=0.01 --rate 100 --duration 30 --functions
 *
 * A --config is name:KEY=value[,KEY=value]; with --config the sampler is parentbased_traceidratio
 * unless set. --env applies to every configuration. --rounds N alternates the configurations N
 * times and adds the rounds up (run order matters: a later run on the same stack is a little
 * slower). Profiles stay in loadtest/results/profiles/<configuration>/round-<n>/<service>/ for
 * Chrome DevTools or speedscope.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAssignments, parseNamedAssignments, positiveInteger, positiveNumber, ROOT, runCli } from '@paytrace/devstack';
import { profileReport, runProfile } from '@paytrace/lab/bench';

const USAGE =
  'usage: npm run bench:profile -- [--config name:KEY=value[,KEY=value]]... [--env KEY=value]... [--rate N] [--duration S] [--warmup S] [--rounds N] [--top N] [--functions] [--out DIR]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      env: { type: 'string', multiple: true, default: [] },
      config: { type: 'string', multiple: true, default: [] },
      rate: { type: 'string', default: '60' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '1' },
      top: { type: 'string', default: '12' },
      // Also list the functions of the telemetry packages with the most self time.
      functions: { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'loadtest', 'results', 'profiles') },
    },
  });
  const extraEnv: Record<string, string> = Object.assign({}, ...args.env.map(parseAssignments));
  const configs = args.config.length
    ? args.config.map((spec) => {
        const { name, env } = parseNamedAssignments(spec);
        return { name, env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', ...extraEnv, ...env } };
      })
    : [{ name: 'profile', env: extraEnv }];
  const options = {
    configs,
    rate: positiveNumber('rate', args.rate),
    durationS: positiveNumber('duration', args.duration),
    warmupS: positiveNumber('warmup', args.warmup, { allowZero: true }),
    rounds: positiveInteger('rounds', args.rounds),
    top: positiveInteger('top', args.top),
    functions: args.functions,
    outDir: args.out,
  };
  console.log(profileReport(await runProfile(options), options).join('\n'));
});
