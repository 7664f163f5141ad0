/**
 * `npm run bench:startup`: how long a service takes from process start to answering /healthz,
 * with the SDK off, with paytrace's instrumentations (http, undici, pg, pino + @fastify/otel),
 * and with every default auto-instrumentation on. Variants run interleaved (A B C A B C …) so
 * drift of a shared machine hits all alike; it prints medians and ratios to the SDK-off run.
 */
import { parseArgs } from 'node:util';
import { positiveInteger, runCli, SERVICES, UsageError, type ServiceName } from '@paytrace/devstack';
import { runStartupBench, startupReport } from '@paytrace/lab/bench';

await runCli('usage: npm run bench:startup -- [--rounds N] [--service auth|balance|payments|gateway]', async () => {
  const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, service: { type: 'string', default: 'payments' } } });
  if (!SERVICES.includes(args.service as ServiceName)) throw new UsageError(`--service must be one of ${SERVICES.join(', ')}`);
  const options = { service: args.service as ServiceName, rounds: positiveInteger('rounds', args.rounds) };
  const samples = await runStartupBench(options, (line) => process.stderr.write(`${line}\r`));
  console.log(`\n${startupReport(samples, options).join('\n')}`);
});
