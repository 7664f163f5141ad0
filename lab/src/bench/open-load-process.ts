/**
 * The project's undici generator (openLoad) as a process of its own, so that `npm run
 * bench:generators` can read its CPU from /proc like Vegeta's and k6's: sends the whole traffic
 * mix to --url at --rate for --seconds, then prints one JSON line with what it saw.
 *
 *   node --import tsx lab/src/bench/open-load-process.ts --url http://127.0.0.1:8080 --rate 40 --seconds 30
 */
import { parseArgs } from 'node:util';
import { percentile } from '../load/load-result.js';
import { EXPECTED_STATUS } from '../load/traffic-mix.js';
import { openLoad } from '../load/open-load.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' } } });
const requests = await openLoad({
  gatewayUrl: values.url!,
  ratePerSecond: Number(values.rate),
  durationMs: Number(values.seconds) * 1000,
  mix: 'mix',
});
const payments = requests
  .filter((r) => r.kind === 'payment')
  .map((r) => r.ms)
  .sort((a, b) => a - b);
const unexpected = requests.filter((r) => r.status !== EXPECTED_STATUS[r.kind]).length;
console.log(JSON.stringify({ requests: requests.length, p50: percentile(payments, 0.5), errorRate: unexpected / Math.max(1, requests.length) }));
