/**
 * `npm run fidelity`: drives concurrent payments against a running stack (`npm run stack`) and
 * checks every request's trace in Jaeger: one root, no orphans, all four services, each hop's
 * SERVER span of its own payment under a gateway CLIENT span, every child inside its parent
 * (0.3 ms); unsampled requests absent. Prints the counts and the first bad trace; exit 1 if any.
 *
 *   npm run stack -- --stripe-latency-ms 200      # in one terminal
 *   npm run fidelity -- --concurrency 80 --requests 800
 */
import { parseArgs } from 'node:util';
import { JaegerClient } from '@paytrace/trace-analysis';
import { positiveInteger, runCli, stackPorts } from '@paytrace/devstack';
import { drivePayments, formatReport, verifyPayments } from '@paytrace/lab/fidelity';

const USAGE = 'usage: npm run fidelity -- [--concurrency N] [--requests N] [--api-key KEY] [--gateway URL] [--jaeger URL]';

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '80' },
      requests: { type: 'string', default: '400' },
      'api-key': { type: 'string', default: 'test_key_alice' },
      gateway: { type: 'string' },
      jaeger: { type: 'string' },
    },
  });
  const ports = stackPorts();
  const gatewayUrl = args.gateway ?? `http://127.0.0.1:${ports.gateway}`;
  const jaeger = new JaegerClient(args.jaeger ?? `http://127.0.0.1:${ports.jaegerQuery}`);
  const concurrency = positiveInteger('concurrency', args.concurrency);
  const total = positiveInteger('requests', args.requests);

  const started = performance.now();
  const attempts = await drivePayments({ gatewayUrl, apiKey: args['api-key'], concurrency, total });
  console.log(`sent ${total} payments, ${concurrency} in flight, in ${((performance.now() - started) / 1000).toFixed(1)} s; checking their traces…`);
  const report = await verifyPayments(jaeger, attempts);
  console.log(formatReport(report));
  return report.good === report.checked && report.unsampledStored === 0 && report.checked > 0 ? 0 : 1;
});
