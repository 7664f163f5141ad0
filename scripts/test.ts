/**
 * `npm test`: starts the real dependencies once (Postgres, stripe-mock, Jaeger and the
 * OpenTelemetry Collector, all on free ports), runs every test file with node's test runner
 * against them, and stops them again. Tests that need to break a dependency (stop Postgres,
 * slow Stripe) start their own instance.
 */
import { spawn } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startPostgres } from './lib/postgres.js';
import { freePort } from './lib/processes.js';
import { ROOT } from './lib/stack-settings.js';
import { startStripeMock } from './lib/tools.js';
import { freeTelemetryPorts, startTelemetryPipeline } from './lib/telemetry-pipeline.js';

// Unit tests (services/test, test/unit) need no server; they run here too.
const TEST_DIRS = ['services/test', 'test/unit', 'auth/test', 'balance/test', 'payments/test', 'gateway/test', 'test'];
const filter = process.argv.slice(2);
const files = TEST_DIRS.flatMap((dir) =>
  existsSync(join(ROOT, dir))
    ? readdirSync(join(ROOT, dir))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join(dir, f))
    : [],
).filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)));

const quiet = () => undefined;
const postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'test-postgres'), port: await freePort(), reset: true, log: quiet });
const stripePort = await freePort();
const stripeMock = await startStripeMock({ port: stripePort, onLine: quiet });
const pipeline = await startTelemetryPipeline({
  ports: await freeTelemetryPorts(),
  onLine: (name, line) => process.env.PAYTRACE_TEST_LOGS && console.log(`${name}| ${line}`),
});

let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        PAYTRACE_TEST_DATABASE_URL: postgres.url,
        PAYTRACE_TEST_STRIPE_PORT: String(stripePort),
        PAYTRACE_TEST_OTLP_ENDPOINT: pipeline.otlpEndpoint,
        PAYTRACE_TEST_JAEGER_URL: pipeline.jaegerUrl,
        PAYTRACE_TEST_COLLECTOR_METRICS_URL: pipeline.collectorMetricsUrl,
      },
    });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
} finally {
  await pipeline.stop();
  await stripeMock.stop();
  await postgres.stop();
}
console.log(`ran ${files.length} test files: ${files.map((f) => relative('.', f)).join(', ')}`);
process.exit(code);
