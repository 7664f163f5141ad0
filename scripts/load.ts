/**
 * `npm run load`: the load tests' traffic mix (loadtest/traffic-mix.js) against the running stack
 * (`npm run stack`), at a constant arrival rate, with the project's pinned Vegeta or, with
 * `--generator k6`, a k6 of your own on the PATH (loadtest/payments.js). Prints what it measured.
 *
 *   npm run load                                   # 20 req/s (DEFAULT_RATE) for 30 s
 *   npm run load -- --rate 100 --duration 60
 *   npm run load -- --generator k6 --url http://127.0.0.1:8080
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveNumber, ROOT, runCli, stackPorts } from '@paytrace/devstack';
import { DEFAULT_GENERATOR, DEFAULT_RATE, LATE_MS, loadGenerator, parseGeneratorName, runLoad } from '@paytrace/lab/load';

const USAGE = 'usage: npm run load -- [--rate N/s] [--duration S] [--generator vegeta|k6] [--url GATEWAY]   (the running npm run stack)';

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: String(DEFAULT_RATE) },
      duration: { type: 'string', default: '30' },
      generator: { type: 'string', default: DEFAULT_GENERATOR },
      url: { type: 'string', default: `http://127.0.0.1:${stackPorts().gateway}` },
    },
  });
  const rate = positiveNumber('rate', values.rate);
  const seconds = positiveNumber('duration', values.duration);
  const generator = loadGenerator(parseGeneratorName(values.generator));
  const workDir = join(ROOT, '.data', 'load');
  mkdirSync(workDir, { recursive: true });
  console.error(`${generator.name}: ${rate} req/s for ${seconds} s against ${values.url}`);
  const r = await runLoad(generator, { gatewayUrl: values.url, rate, seconds, workDir, name: 'last-run' });
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(
    [
      `requests: ${r.requests} (${r.achievedRps.toFixed(1)}/s), unexpected answers: ${(r.errorRate * 100).toFixed(2)}%, not sent on time: ${r.droppedIterations}${generator.name === 'vegeta' ? ` (over ${LATE_MS} ms late, or never)` : ' (dropped iterations)'}`,
      `payment latency: p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, p99 ${ms(r.p99)}`,
      `figures: ${join(workDir, 'last-run.json')}`,
    ].join('\n'),
  );
});
