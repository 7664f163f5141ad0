/**
 * `npm run bench:startup`: how long a service takes from process start to answering /healthz,
 * with the SDK off, with paytrace's instrumentations (http, undici, pg, pino + @fastify/otel),
 * and with every default auto-instrumentation on. Variants run interleaved (A B C A B C …) so
 * drift of a shared machine hits all alike; it prints medians and ratios to the SDK-off run.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../lib/postgres.js';
import { freePort, startProcess, waitForHttp } from '../lib/processes.js';
import { resetData } from '../lib/reset-data.js';
import { ROOT } from '../lib/stack-settings.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, service: { type: 'string', default: 'payments' } } });
const rounds = Number(values.rounds);
const service = values.service!;

const variants: Array<{ name: string; env: NodeJS.ProcessEnv }> = [
  { name: 'SDK disabled', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'paytrace set (http,undici,pg,pino)', env: {} },
  // An empty list means "every instrumentation enabled by default" to auto-instrumentations-node.
  { name: 'all default auto-instrumentations', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: '' } },
];

const postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'bench-postgres'), port: await freePort(), reset: true, log: () => undefined });
await resetData(postgres.url);
const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const port = await freePort();
      const started = performance.now();
      const proc = startProcess({
        name: service,
        command: process.execPath,
        args: ['--import', '@paytrace/services/telemetry', join(ROOT, service, 'dist', 'server.js')],
        env: { ...process.env, PORT: String(port), DATABASE_URL: postgres.url, OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'warn', ...variant.env },
        onLine: () => undefined,
      });
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, { process: proc, timeoutMs: 30_000 });
      samples.get(variant.name)!.push(performance.now() - started);
      await proc.stop();
    }
    process.stderr.write(`round ${round}/${rounds}\r`);
  }
} finally {
  await postgres.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(samples.get(variants[0]!.name)!);
console.log(`\n${service}: process start → /healthz answers, median of ${rounds} interleaved rounds\n`);
console.log('| variant | median | min | max | ratio to SDK disabled |\n| --- | ---: | ---: | ---: | ---: |');
for (const [name, xs] of samples) {
  console.log(`| ${name} | ${median(xs).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)} ms | ${Math.max(...xs).toFixed(0)} ms | ${(median(xs) / base).toFixed(2)} |`);
}
