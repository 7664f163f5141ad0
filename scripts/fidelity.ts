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
import { drivePayments, formatReport, verifyPayments } from './lib/fidelity-run.js';
import { JaegerClient } from './lib/jaeger.js';
import { stackSettings } from './lib/stack-settings.js';

function usage(message: string): never {
  console.error(`fidelity: ${message}\nusage: npm run fidelity -- [--concurrency N] [--requests N] [--api-key KEY] [--gateway URL] [--jaeger URL]`);
  process.exit(2);
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer, not "${value}"`);
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      concurrency: { type: 'string', default: '80' },
      requests: { type: 'string', default: '400' },
      'api-key': { type: 'string', default: 'test_key_alice' },
      gateway: { type: 'string' },
      jaeger: { type: 'string' },
    },
  }).values;
} catch (err) {
  usage((err as Error).message);
}
const settings = stackSettings();
const gatewayUrl = parsed.gateway ?? `http://127.0.0.1:${settings.ports.gateway}`;
const jaeger = new JaegerClient(parsed.jaeger ?? `http://127.0.0.1:${settings.telemetry.jaegerQuery}`);
const concurrency = positiveInteger('concurrency', parsed.concurrency);
const total = positiveInteger('requests', parsed.requests);

const started = performance.now();
const attempts = await drivePayments({ gatewayUrl, apiKey: parsed['api-key'], concurrency, total });
console.log(`sent ${total} payments, ${concurrency} in flight, in ${((performance.now() - started) / 1000).toFixed(1)} s; checking their traces…`);
const report = await verifyPayments(jaeger, attempts);
console.log(formatReport(report));
process.exit(report.good === report.checked && report.unsampledStored === 0 && report.checked > 0 ? 0 : 1);
