/**
 * `npm test`: starts the real dependencies once (Postgres, stripe-mock, Jaeger and the
 * OpenTelemetry Collector, all on free ports), runs every test file with node's test runner
 * against them, and stops them again. Tests that need to break a dependency (stop Postgres,
 * slow Stripe) start their own instance. Arguments filter the files: `npm test -- trace payment`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { freeStackPorts, ROOT, runCli, startStack } from '@paytrace/devstack';

// Unit tests (services/test, test/unit) need no server; they run here too.
const TEST_DIRS = [
  'services/test',
  'devstack/test',
  'trace-analysis/test',
  'metrics-analysis/test',
  'faults/test',
  'lab/test',
  'ui/test',
  'test/unit',
  'auth/test',
  'balance/test',
  'payments/test',
  'gateway/test',
  'test',
];

await runCli('usage: npm test -- [part of a test file path ...]', async () => {
  const filter = process.argv.slice(2);
  const files = TEST_DIRS.flatMap((dir) =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir))
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => join(dir, f))
      : [],
  ).filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)));
  const stack = await startStack({
    ports: await freeStackPorts(),
    // A cluster of this run's own, so two runs on one machine do not stop each other's server.
    postgres: { dataDir: join(ROOT, '.data', `test-postgres-${process.pid}`), fresh: true },
    // Span metrics every second (not every 10 s), so a test reads its requests' span metrics soon after.
    telemetry: { collectorEnv: { OTELCOL_SPANMETRICS_FLUSH_INTERVAL: '1s' } },
    onLine: (source, line) => process.env.PAYTRACE_TEST_LOGS && console.log(`${source}| ${line}`),
  });
  try {
    const { pipeline } = stack;
    const result = await execa(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
      cwd: ROOT,
      stdio: 'inherit',
      reject: false,
      env: {
        PAYTRACE_TEST_DATABASE_URL: stack.databaseUrl,
        PAYTRACE_TEST_STRIPE_PORT: String(stack.ports.stripeMock),
        PAYTRACE_TEST_OTLP_ENDPOINT: pipeline!.otlpEndpoint,
        PAYTRACE_TEST_JAEGER_URL: pipeline!.jaegerUrl,
        PAYTRACE_TEST_COLLECTOR_METRICS_URL: pipeline!.collectorMetricsUrl,
        PAYTRACE_TEST_PROMETHEUS_URL: pipeline!.prometheusUrl,
      },
    });
    console.log(`ran ${files.length} test files: ${files.join(', ')}`);
    return result.exitCode ?? 1;
  } finally {
    await stack.stop();
    rmSync(stack.postgres!.dataDir, { recursive: true, force: true });
  }
});
